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
    static func server(partition: String? = nil) throws -> TestServer {
        let environment = ProcessInfo.processInfo.environment
        var configuration = TestServer(maxRuns: 3, grace: 1).configuration
        let shared = URL(fileURLWithPath: environment["CJR_SLURM_SHARED_DIR"] ?? "/tmp/cjr-slurm/shared")
            .appendingPathComponent("test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
        configuration.runner.slurm = SlurmSettings(
            url: environment["CJR_SLURM_URL"] ?? "", user: environment["CJR_SLURM_USER"] ?? "root",
            tokenFile: URL(fileURLWithPath: environment["CJR_SLURM_TOKEN_FILE"] ?? ""), partition: partition ?? environment["CJR_SLURM_PARTITION"],
            sharedDirectory: shared)
        // The test cluster's nodes have 2 CPUs and 1000 MB each.
        configuration.runner.resourceBundles = try ResourceBundles(ResourceBundle.builtIn, defaultID: "cpu.micro")
        return TestServer(configuration: configuration)
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
