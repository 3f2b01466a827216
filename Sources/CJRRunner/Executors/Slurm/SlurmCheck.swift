import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Foundation

/// Whether a Slurm cluster can take cjr's runs: `cjr serve --executor slurm` connects
/// first (``connect(_:)``) and refuses to start on a clear message; `cjr doctor --executor
/// slurm` reports every point (``report(_:)``), a test job on a node included.
public enum SlurmCheck {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// One point of the report: its name, whether it holds (nil: cannot tell now) and what was seen.
    public struct Finding: Sendable {
        public var name: String
        public var ok: Bool?
        public var detail: String
    }

    /// Reaches slurmrestd with the token and finds the newest API version both sides
    /// speak; `settings` with it, and Slurm's release. Throws a message naming what is wrong
    /// (unreachable, token refused, no version in common) and what to do.
    public static func connect(_ settings: SlurmSettings) async throws(Failure) -> (settings: SlurmSettings, release: String) {
        for dialect in SlurmDialects.all {
            var candidate = settings
            candidate.apiVersion = dialect.version
            do {
                // A short deadline: a live slurmrestd answers in milliseconds, and a refused
                // connection is otherwise retried until the client's 10 s connect timeout.
                let answer = try await SlurmClient(settings: candidate).request(.GET, dialect.path("ping"), timeout: .seconds(3))
                let release = ((answer["meta"] as? [String: Any])?["Slurm"] as? [String: Any])?["release"] as? String ?? "unknown"
                if let ping = (answer["pings"] as? [[String: Any]])?.first?["ping"] as? String, ping != "UP" {
                    throw Failure(description: "slurmrestd at \(settings.url) answers, but its controller (slurmctld) is \(ping)")
                }
                return (candidate, release)
            } catch let error as SlurmClient.SlurmError where error.status == 404 {
                continue // this version is not served there; try the next
            } catch let error as SlurmClient.SlurmError where error.status == 401 || error.status == 403 {
                throw Failure(description: "slurmrestd at \(settings.url) refused the request as user \(settings.user) (\(error.status)): "
                    + "is \(settings.tokenFile.path) a JWT? Make one with `scontrol token username=\(settings.user)`")
            } catch let error as SlurmClient.SlurmError {
                // Slurm 22.05 answers a token it does not accept with a 500 and a vague error.
                throw Failure(description: "slurmrestd at \(settings.url) refused the token in \(settings.tokenFile.path) for user \(settings.user) "
                    + "(\(error.description)); it may have expired: make a new one with `scontrol token username=\(settings.user)`")
            } catch let error as Failure {
                throw error
            } catch {
                throw Failure(description: "cannot reach slurmrestd at \(settings.url): \(error)")
            }
        }
        let offered = await offeredVersions(settings)
        let ours = SlurmDialects.all.map(\.version).joined(separator: ", ")
        throw Failure(description: "slurmrestd at \(settings.url) offers API "
            + (offered.isEmpty ? "no version cjr recognises" : "version\(offered.count == 1 ? "" : "s") \(offered.joined(separator: ", "))")
            + "; cjr speaks \(ours). Start slurmrestd with `-s openapi/\(SlurmDialects.all[0].version)` (Slurm 22.05 ships it)")
    }

    /// The `slurm/vX` versions slurmrestd lists in its OpenAPI description.
    static func offeredVersions(_ settings: SlurmSettings) async -> [String] {
        guard let description = try? await SlurmClient(settings: settings).request(.GET, "openapi/v3", timeout: .seconds(10)),
              let paths = description["paths"] as? [String: Any] else { return [] }
        let versions = paths.keys.compactMap { path -> String? in
            let parts = path.split(separator: "/")
            return parts.count > 1 && parts[0] == "slurm" ? String(parts[1]) : nil
        }
        return Set(versions).sorted()
    }

    /// Every point, in order: slurmrestd and the token, the partition, the shared directory
    /// here, and a test job that must see the shared directory, `cjr-launch` and the
    /// seccomp policies on its node at the paths this host uses.
    public static func report(_ settings: SlurmSettings, launcher: String?, policies: URL?,
                              testJobTimeout: Duration = .seconds(30)) async -> [Finding] {
        var findings: [Finding] = []
        let connected: SlurmSettings
        do {
            let (settings, release) = try await connect(settings)
            connected = settings
            findings.append(Finding(name: "slurmrestd", ok: true, detail: "\(settings.url), API \(settings.apiVersion), Slurm \(release)"))
            findings.append(Finding(name: "token", ok: true, detail: "accepted for user \(settings.user) (\(settings.tokenFile.path))"))
        } catch {
            return [Finding(name: "slurmrestd", ok: false, detail: error.description)]
        }
        let client = SlurmClient(settings: connected)
        if let name = connected.partition {
            do {
                let partition = try await client.partition(name)
                findings.append(Finding(name: "partition", ok: partition.state == "UP",
                                        detail: "\(name): \(partition.state), nodes \(partition.nodes), \(partition.totalCPUs) CPUs"))
            } catch {
                findings.append(Finding(name: "partition", ok: false, detail: "\(name): \(error)"))
            }
        } else {
            findings.append(Finding(name: "partition", ok: true, detail: "the cluster's default (--slurm-partition names one)"))
        }
        let shared = connected.sharedDirectory
        var isDirectory: ObjCBool = false
        let sharedHere = FileManager.default.fileExists(atPath: shared.path, isDirectory: &isDirectory) && isDirectory.boolValue
            && FileManager.default.isWritableFile(atPath: shared.path)
        findings.append(Finding(name: "shared directory", ok: sharedHere,
                                detail: sharedHere ? "\(shared.path): writable here" : "\(shared.path): not a writable directory here"))
        guard sharedHere, findings.allSatisfy({ $0.ok != false }) else { return findings }
        findings.append(await testJob(client, shared: shared, launcher: launcher, policies: policies, timeout: testJobTimeout))
        return findings
    }

    /// A job that checks, on whichever node runs it, what a run needs there.
    private static func testJob(_ client: SlurmClient, shared: URL, launcher: String?, policies: URL?, timeout: Duration) async -> Finding {
        let marker = shared.appendingPathComponent(".cjr-doctor-\(UUID().uuidString)")
        let output = marker.path + ".out"
        defer {
            try? FileManager.default.removeItem(at: marker)
            try? FileManager.default.removeItem(atPath: output)
        }
        var checks = ["test -w \(SlurmExecutor.quoted(shared.path)) || { echo \"the shared directory \(shared.path) is not writable\"; exit 1; }"]
        if let launcher {
            checks.append("test -x \(SlurmExecutor.quoted(launcher)) || { echo \"no cjr-launch at \(launcher)\"; exit 1; }")
        }
        if let policies {
            checks.append("test -r \(SlurmExecutor.quoted(policies.path))/default.policy || { echo \"no seccomp policies in \(policies.path)\"; exit 1; }")
        }
        checks.append("echo \"$SLURMD_NODENAME\" > \(SlurmExecutor.quoted(marker.path))")
        let job = SlurmJobRequest(name: "cjr-doctor", script: "#!/bin/sh\n" + checks.joined(separator: "\n") + "\n",
                                  workingDirectory: shared.path, outputFile: output, environment: ["PATH": "/usr/bin:/bin"],
                                  timeLimitMinutes: 1, cpusPerTask: 1, memoryMegabytes: 16, partition: client.settings.partition)
        let id: Int
        do {
            id = try await client.submit(job)
        } catch {
            return Finding(name: "test job", ok: false, detail: "not accepted: \(error)")
        }
        let deadline = ContinuousClock.now + timeout
        var state: SlurmJobState?
        while ContinuousClock.now < deadline {
            state = try? await client.job(id)
            if let state, SlurmExecutor.finalStates.contains(state.state) { break }
            try? await Task.sleep(for: .milliseconds(250))
        }
        guard let state, SlurmExecutor.finalStates.contains(state.state) else {
            try? await client.cancel(id)
            return Finding(name: "test job", ok: nil, detail: "job \(id) did not end in \(timeout) (\(state?.state ?? "unknown") \(state?.reason ?? "")); "
                + "the cluster may be busy: try again")
        }
        let saidOnNode = (try? String(contentsOfFile: output, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if state.state == "COMPLETED", let node = try? String(contentsOf: marker, encoding: .utf8) {
            let what = ["the shared directory", launcher.map { _ in "cjr-launch" }, policies.map { _ in "the seccomp policies" }].compactMap { $0 }
            return Finding(name: "test job", ok: true,
                           detail: "job \(id) ran on \(node.trimmingCharacters(in: .whitespacesAndNewlines)) and found \(what.joined(separator: ", ")) at this host's paths")
        }
        return Finding(name: "test job", ok: false, detail: "job \(id) ended \(state.state) on \(state.nodes.isEmpty ? "no node" : state.nodes): "
            + (saidOnNode.isEmpty ? "its output (\(output)) was not seen here: is the shared directory the same on the nodes?" : saidOnNode))
    }
}
