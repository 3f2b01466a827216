import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import CJRModel
import CJRTestSupport
@testable import CJRAPI
import CJRRunner
import CJRStore

/// Runs executed by a real Slurm cluster through slurmrestd (`scripts/slurm-cluster up`
/// starts one on this machine; `scripts/test` does, and exports its `CJR_SLURM_*`): the
/// same API, store and sandbox, the launcher on a node, the log live from the shared
/// directory, outcomes and cancels as locally.
@Suite("Slurm executor", .serialized, .enabled(if: ProcessInfo.processInfo.environment["CJR_SLURM_URL"] != nil))
struct SlurmExecutorTests {
    static func server(partition: String? = nil, maxRuns: Int = 3) throws -> TestServer {
        let environment = ProcessInfo.processInfo.environment
        var configuration = TestServer(maxRuns: maxRuns, grace: 1).configuration
        let shared = URL(fileURLWithPath: environment["CJR_SLURM_SHARED_DIR"] ?? "/tmp/cjr-slurm/shared")
            .appendingPathComponent("test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
        configuration.runner.slurm = SlurmSettings(
            url: environment["CJR_SLURM_URL"] ?? "", user: environment["CJR_SLURM_USER"] ?? "root",
            tokenFile: URL(fileURLWithPath: environment["CJR_SLURM_TOKEN_FILE"] ?? ""), partition: partition ?? environment["CJR_SLURM_PARTITION"],
            sharedDirectory: shared)
        // The test cluster's nodes have 2 CPUs and 1000 MB each: `node` takes a whole one.
        let node = ResourceBundle(id: "node", name: "node", description: "2 CPU, 128 MiB", memoryBytes: 128 << 20, cpuCount: 2,
                                  maxProcesses: 64, maxLogBytes: 1 << 20)
        configuration.runner.resourceBundles = try ResourceBundles(ResourceBundle.builtIn + [node], defaultID: "cpu.micro")
        return TestServer(configuration: configuration)
    }

    /// A job whose run.sh is `script`, with these resources and files.
    static func createJob(_ api: APIClient, _ script: String, bundle: String = "cpu.micro", egress: String = "none",
                          files: [(String, [UInt8])] = [], metadata: String? = nil) async throws -> String {
        let body = #"{"name": "slurm", "resources": {"egressNetworkPolicy": "\#(egress)", "resourceBundleId": "\#(bundle)"}}"#
        let created = try await api.postJSON("/customJobs/", body)
        guard let jobId = try JSON(created)["id"].string else { throw TestFailure("job create failed: \(String(buffer: created.body))") }
        var form = MultipartBody()
        form.file(path: "run.sh", content: Array(script.utf8))
        if let metadata { form.file(path: "metadata.yaml", content: Array(metadata.utf8)) }
        for (path, content) in files { form.file(path: path, content: content) }
        let patched = try await api.sendForm(.patch, "/customJobs/\(jobId)/", form)
        guard (200..<300).contains(patched.status.code) else { throw TestFailure("job upload failed: \(patched.status) \(String(buffer: patched.body))") }
        return jobId
    }

    @Test("a run executes as a Slurm job: its output live in the log, its exit code and the job recorded")
    func runsOnTheCluster() async throws {
        let server = try Self.server()
        defer { server.removeData() }
        try await server.run { api in
            let ok = try await api.createScriptJob("echo \"hello from $SLURMD_NODENAME as run $CURRENT_CUSTOM_JOB_RUN_ID\"\necho oops >&2\n")
            let (run, log) = try await api.runToEnd(jobId: ok, timeout: 60)
            #expect(run["status"].string == "succeeded", "\(run) \(log)")
            #expect(log.hasPrefix("hello from n") && log.contains("as run \(run["id"].string ?? "")") && log.contains("oops\n"), "\(log)")
            let sandbox = run["sandbox"].array.compactMap(\.string)
            #expect(sandbox.contains { $0.hasPrefix("slurm:job=") } && sandbox.contains("seccomp:default"), "\(sandbox)")

            let failing = try await api.createScriptJob("echo going\nexit 3\n")
            let (failed, failedLog) = try await api.runToEnd(jobId: failing, timeout: 60)
            #expect(failed["status"].string == "failed" && failed["exitCode"].int == 3 && failed["endReason"].string == "exited", "\(failed)")
            #expect(failedLog == "going\n")
        }
    }

    @Test("on the node the run gets its runtime parameters, credentials and API token as locally, and egress none holds there")
    func environmentAndEgress() async throws {
        let server = try Self.server()
        defer { server.removeData() }
        let probe = try #require(FileManager.default.contents(atPath: sandboxProbeBinary))
        let metadata = """
            name: slurm-env
            runtimeParameterDefinitions:
              - fieldName: GREETING
                type: string
                defaultValue: from metadata
              - fieldName: DB
                type: credential
                credentialType: basic
            """
        // TCP to this very server (the nodes are on this machine), then the environment.
        let script = """
            chmod +x ./cjr-sandbox-probe
            hostport=${DATAROBOT_ENDPOINT#http://}; hostport=${hostport%%/*}
            echo "tcp $(./cjr-sandbox-probe tcp 127.0.0.1 ${hostport##*:})"
            echo "greeting $GREETING"
            echo "db $DB_USER:$DB_PASSWORD"
            echo "run $CURRENT_CUSTOM_JOB_RUN_ID"
            echo "token ${#DATAROBOT_API_TOKEN}"
            echo "secret ${SLURM_JWT:-none} $(env | grep -c '^CJR_SLURM' || true)"
            """
        try await server.run { api in
            let created = try await api.postJSON("/credentials/", #"{"name": "db", "credentialType": "basic", "user": "alice", "password": "s3cr3t-pw"}"#)
            let credential = try #require(try JSON(created)["credentialId"].string)
            for egress in ["none", "public"] {
                let jobId = try await Self.createJob(api, script, egress: egress, files: [("cjr-sandbox-probe", Array(probe))], metadata: metadata)
                let (run, _) = try await api.startRun(jobId, body: #"{"runtimeParameterValues": [{"fieldName": "DB", "type": "credential", "value": "\#(credential)"}]}"#)
                let runId = try #require(run["id"].string)
                let final = try await api.waitForRun(jobId, runId, timeout: 60)
                let log = try await api.logs(jobId, runId)
                #expect(final["status"].string == "succeeded", "\(final) \(log)")
                let lines = Dictionary(log.split(separator: "\n").compactMap { line -> (String, String)? in
                    guard let space = line.firstIndex(of: " ") else { return nil }
                    return (String(line[..<space]), String(line[line.index(after: space)...]))
                }, uniquingKeysWith: { first, _ in first })
                #expect(lines["tcp"] == (egress == "none" ? "refused: EACCES (Permission denied)" : "ok"), "egress \(egress): \(log)")
                #expect(lines["greeting"] == "from metadata", "\(log)")
                #expect(lines["db"] == "alice:s3cr3t-pw", "\(log)")
                #expect(lines["run"] == runId)
                #expect((Int(lines["token"] ?? "") ?? 0) > 20, "a run token, as locally: \(log)")
                #expect(lines["secret"] == "none 0", "nothing of cjr's own Slurm access reaches the job: \(log)")
                #expect(final["sandbox"].array.contains { $0.string == "seccomp:egress-none" } == (egress == "none"))
            }
        }
    }

    @Test("a run Slurm holds in its queue shows as queued, its log says why, and a cancel withdraws it from there")
    func pendingRun() async throws {
        // One node (n3, 2 CPUs) and runs that take all of it: the second waits in Slurm's queue.
        let server = try Self.server(partition: "lossy")
        defer { server.removeData() }
        try await server.run { api in
            let jobId = try await Self.createJob(api, "echo on $SLURMD_NODENAME\nsleep 600\n", bundle: "node")
            let first = try #require(try await api.startRun(jobId).run["id"].string)
            let running = try await api.waitForRun(jobId, first, timeout: 60) { $0["logSize"].int ?? 0 > 0 }
            #expect(running["startedAt"].string != nil)

            let (second, location) = try await api.startRun(jobId)
            let secondId = try #require(second["id"].string)
            let pending = try await api.waitForRun(jobId, secondId, timeout: 60) { _ in true }
            let log = try await Self.waitForLog(api, jobId, secondId) { $0.contains("is pending") }
            #expect(log.hasPrefix("[cjr] Slurm job ") && log.contains("is pending: Resources"), "\(log)")
            let queued = try await api.run(jobId, secondId)
            #expect(queued["status"].string == "running" && queued["startedAt"].isNull && queued["queuePosition"].isNull
                    && queued["duration"].double == 0, "claimed, not started, and not in cjr's queue: \(queued) \(pending)")
            let statusPath = try #require(location.flatMap(URL.init(string:))?.path).replacingOccurrences(of: "/api/v2", with: "")
            let status = try JSON(try await api.get(statusPath))
            #expect(status["status"].string == "INITIALIZED", "\(status)")
            let listed = try JSON(try await api.get("/customJobRuns/?status=queued"))["data"].array.compactMap { $0["id"].string }
            #expect(listed == [secondId])
            #expect(try JSON(try await api.get("/customJobRuns/?status=running"))["data"].array.compactMap { $0["id"].string } == [first])

            #expect(try await api.delete("/customJobs/\(jobId)/runs/\(secondId)/").status == .noContent)
            let canceled = try await api.waitForRun(jobId, secondId, timeout: 30)
            #expect(canceled["status"].string == "canceled" && canceled["startedAt"].isNull, "it never started: \(canceled)")
            #expect(try Self.slurmState(of: canceled) == "CANCELLED")
            #expect(try await api.run(jobId, first)["status"].string == "running", "the other run goes on")
            #expect(try await api.delete("/customJobs/\(jobId)/runs/\(first)/").status == .noContent)
            #expect(try await api.waitForRun(jobId, first, timeout: 30)["status"].string == "canceled")
        }
    }

    @Test("a run's timeout counts from when Slurm starts it, not while it waits in Slurm's queue")
    func timeoutAfterPending() async throws {
        var server = try Self.server(partition: "lossy")
        server = TestServer(configuration: { var configuration = server.configuration; configuration.runner.timeoutSeconds = 3; return configuration }())
        defer { server.removeData() }
        try await server.run { api in
            let jobId = try await Self.createJob(api, "echo started\nsleep 600\n", bundle: "node")
            let first = try #require(try await api.startRun(jobId).run["id"].string)
            _ = try await api.waitForRun(jobId, first, timeout: 60) { $0["startedAt"].string != nil }
            let second = try #require(try await api.startRun(jobId).run["id"].string)
            for id in [first, second] {
                let run = try await api.waitForRun(jobId, id, timeout: 60)
                #expect(run["status"].string == "failed" && run["endReason"].string == "timeout", "\(run)")
                #expect(try await api.logs(jobId, id).contains("started\n"), "it ran before its timeout")
                let ran = try Self.seconds(run, from: "startedAt", to: "endedAt")
                #expect(ran >= 2.8 && ran < 8, "ran \(ran) s of its 3")
            }
            let waited = try Self.seconds(try await api.run(jobId, second), from: "created", to: "startedAt")
            #expect(waited >= 2.5, "the second waited in Slurm's queue for the first to end: \(waited) s")
        }
    }

    /// Seconds between two of a run's timestamps.
    static func seconds(_ run: JSON, from start: String, to end: String) throws -> Double {
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let from = try #require(run[start].string.flatMap(format.date(from:)), "\(start) in \(run)")
        let to = try #require(run[end].string.flatMap(format.date(from:)), "\(end) in \(run)")
        return to.timeIntervalSince(from)
    }

    @Test("four runs with a pool of three: three on the cluster at once, one on each node, the fourth in cjr's queue until one ends")
    func spreadAcrossNodes() async throws {
        let server = try Self.server(partition: "all", maxRuns: 3)
        defer { server.removeData() }
        try await server.run { api in
            let jobId = try await Self.createJob(api, "echo $SLURMD_NODENAME\nsleep 3\n", bundle: "node")
            var runIds: [String] = []
            for _ in 0..<4 { runIds.append(try #require(try await api.startRun(jobId).run["id"].string)) }
            let fourth = try await api.run(jobId, runIds[3])
            #expect(fourth["queuePosition"].int == 0, "the fourth waits in cjr's queue, not on the cluster: \(fourth)")
            var runs: [JSON] = []
            var nodes: [String] = []
            for id in runIds {
                let run = try await api.waitForRun(jobId, id, timeout: 90)
                #expect(run["status"].string == "succeeded", "\(run)")
                runs.append(run)
                // (A moment in Slurm's queue may be noted before it: `[cjr] … is pending`.)
                nodes.append(contentsOf: try await api.logs(jobId, id).split(separator: "\n").filter { !$0.hasPrefix("[cjr]") }.map(String.init))
            }
            #expect(Set(nodes.prefix(3)) == ["n1", "n2", "n3"], "\(nodes)")
            let firstEnd = try #require(runs.prefix(3).compactMap { $0["endedAt"].string }.min())
            #expect(try #require(runs[3]["startedAt"].string) >= firstEnd, "the fourth started only once a worker was free")
        }
    }

    @Test("output arrives while the job runs, and a cancel ends it canceled on the cluster")
    func liveLogAndCancel() async throws {
        let server = try Self.server()
        defer { server.removeData() }
        try await server.run { api in
            let jobId = try await api.createScriptJob("echo first\nsleep 600\n")
            let runId = try #require(try await api.startRun(jobId).run["id"].string)
            let seen = try await api.waitForRun(jobId, runId, timeout: 60) { $0["logSize"].int ?? 0 > 0 }
            #expect(seen["status"].string == "running")
            #expect(try await api.logs(jobId, runId) == "first\n")
            #expect(try await api.delete("/customJobs/\(jobId)/runs/\(runId)/").status == .noContent)
            let final = try await api.waitForRun(jobId, runId, timeout: 60)
            #expect(final["status"].string == "canceled", "\(final)")
            #expect(try Self.slurmState(of: final) == "CANCELLED", "the job itself ended on the cluster")
        }
    }

    @Test("cjr's own deadline stops a run at its second, as locally, and Slurm's job with it")
    func deadline() async throws {
        var server = try Self.server()
        server = TestServer(configuration: { var configuration = server.configuration; configuration.runner.timeoutSeconds = 3; return configuration }())
        defer { server.removeData() }
        try await server.run { api in
            let jobId = try await api.createScriptJob("echo start\nsleep 600\n")
            let started = Date()
            let (run, log) = try await api.runToEnd(jobId: jobId, timeout: 60)
            #expect(run["status"].string == "failed" && run["endReason"].string == "timeout", "\(run)")
            #expect(Date().timeIntervalSince(started) < 20)
            #expect(log.hasPrefix("start\n"), "\(log)")
            #expect(try Self.slurmState(of: run) == "CANCELLED")
        }
    }

    @Test("a node that fails under a run ends it interrupted, its log naming the node", .timeLimit(.minutes(3)))
    func nodeFailure() async throws {
        // The partition of the node that fails: no other test's job runs there.
        let server = try Self.server(partition: "lossy")
        defer { server.removeData() }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/slurm-cluster").path
        try await server.run { api in
            let jobId = try await api.createScriptJob("echo on $SLURMD_NODENAME\nsleep 300\n")
            let runId = try #require(try await api.startRun(jobId).run["id"].string)
            let running = try await api.waitForRun(jobId, runId, timeout: 60) { $0["logSize"].int ?? 0 > 0 }
            let node = try await api.logs(jobId, runId).trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "on ", with: "")
            #expect(node == "n3", "\(node)")
            _ = try CJRTestProcess.run(script, ["kill-node", node])
            defer { _ = try? CJRTestProcess.run(script, ["start-node", node]) }
            let final = try await api.waitForRun(jobId, runId, timeout: 120)
            #expect(final["status"].string == "interrupted", "\(final)")
            let log = try await api.logs(jobId, runId)
            #expect(log.contains("[cjr] Slurm ended job") && log.contains("NODE_FAIL on \(node)"), "\(log)")
            #expect(running["status"].string == "running")
        }
    }

    /// The run's log once `condition` holds.
    static func waitForLog(_ api: APIClient, _ jobId: String, _ runId: String, timeout: Double = 30,
                           until condition: (String) -> Bool) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let log = try await api.logs(jobId, runId)
            if condition(log) { return log }
            if Date() > deadline { throw TestFailure("the log of run \(runId) did not show it in \(timeout)s: \(log)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The state the cluster gives the run's Slurm job (`scontrol show job`).
    static func slurmState(of run: JSON) throws -> String {
        let job = try #require(run["sandbox"].array.compactMap(\.string).first { $0.hasPrefix("slurm:job=") }?.dropFirst("slurm:job=".count))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/scontrol")
        process.arguments = ["show", "job", String(job), "-o"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.split(separator: " ").first { $0.hasPrefix("JobState=") }.map { String($0.dropFirst("JobState=".count)) } ?? text
    }
}

/// A helper program run to its end.
enum CJRTestProcess {
    static func run(_ path: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
