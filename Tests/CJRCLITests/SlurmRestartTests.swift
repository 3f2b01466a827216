import Foundation
import Testing
import CJRTestSupport

/// A `cjr serve --executor slurm` killed with SIGKILL while its run executes on the
/// cluster: the next start follows the Slurm job again, the log goes on without loss or
/// repeat, and the run ends as it really did. (A real cluster: `scripts/slurm-cluster up`.)
@Suite("Slurm: re-attaching after a restart", .enabled(if: ProcessInfo.processInfo.environment["CJR_SLURM_URL"] != nil))
struct SlurmRestartTests {
    static func arguments(shared: URL) -> [String] {
        let environment = ProcessInfo.processInfo.environment
        return ["--executor", "slurm", "--slurm-url", environment["CJR_SLURM_URL"] ?? "", "--slurm-user", environment["CJR_SLURM_USER"] ?? "root",
                "--slurm-token-file", environment["CJR_SLURM_TOKEN_FILE"] ?? "", "--slurm-partition", environment["CJR_SLURM_PARTITION"] ?? "debug",
                "--shared-dir", shared.path, "--default-resource-bundle", "cpu.micro", "--grace", "0.5"]
    }

    @Test("a crash mid-run: the next start follows the job again and records how it really ended")
    func crashAndReattach() async throws {
        let shared = URL(fileURLWithPath: ProcessInfo.processInfo.environment["CJR_SLURM_SHARED_DIR"] ?? "/tmp/cjr-slurm/shared")
            .appendingPathComponent("restart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: shared) }
        let first = try ServeProcess(extraArguments: Self.arguments(shared: shared))
        first.ownsData = false
        defer { try? FileManager.default.removeItem(at: first.dataDirectory) }
        // Two lines, then the job waits for `go` in its folder, which the test makes only once
        // the server is gone: on a loaded machine a job that ran on by itself could end, and
        // be recorded, before the kill (the restart would then have nothing to follow). It
        // waits 2 minutes at most, so a failed test leaves no job holding a node.
        let (job, run) = try await first.startScript(
            "echo \"line 1\"; echo \"line 2\"\nfor t in $(seq 1200); do [ -e go ] && break; sleep 0.1; done\n"
                + "for i in 3 4 5 6; do echo \"line $i\"; sleep 0.2; done\nexit 7\n")
        let deadline = Date().addingTimeInterval(60)
        while !String(decoding: try await first.log(job, run), as: UTF8.self).contains("line 2\n"), Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await first.run(job, run)["endedAt"] is NSNull, "the run still executes when its server is killed")
        #expect(first.stop(with: SIGKILL) != nil)

        let second = try ServeProcess(extraArguments: Self.arguments(shared: shared), dataDirectory: first.dataDirectory)
        // The run's folder on the shared directory (its workspace): where the job looks for `go`.
        try Data().write(to: shared.appendingPathComponent("runs/\(run)/job/go"))
        let final = try await second.waitForRun(job, run, timeout: 90)
        #expect(final["status"] as? String == "failed" && final["exitCode"] as? Int == 7, "\(final)")
        let log = String(decoding: try await second.log(job, run), as: UTF8.self)
        let lines = log.split(separator: "\n").filter { $0.hasPrefix("line ") }.map(String.init)
        #expect(lines == (1...6).map { "line \($0)" }, "every line once, in order: \(log)")
        #expect(log.contains("[cjr] cjr restarted while this run executed; following it again"), "\(log)\nserver log:\n\(second.log)")
    }

    @Test("a crash while the run waits in Slurm's queue: the next start follows it, and it starts, runs and ends as usual")
    func crashWhilePending() async throws {
        let environment = ProcessInfo.processInfo.environment
        let shared = URL(fileURLWithPath: environment["CJR_SLURM_SHARED_DIR"] ?? "/tmp/cjr-slurm/shared")
            .appendingPathComponent("pending-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: shared) }
        // `held` is DOWN: Slurm takes jobs there and keeps them PENDING until it is UP.
        var arguments = Self.arguments(shared: shared)
        arguments[arguments.firstIndex(of: "--slurm-partition")! + 1] = "held"
        defer { _ = try? Self.slurm("scontrol", ["update", "PartitionName=held", "State=DOWN"]) }
        let first = try ServeProcess(extraArguments: arguments)
        first.ownsData = false
        defer { try? FileManager.default.removeItem(at: first.dataDirectory) }
        let (job, run) = try await first.startScript("echo ran on $SLURMD_NODENAME\n")
        let deadline = Date().addingTimeInterval(60)
        while !String(decoding: try await first.log(job, run), as: UTF8.self).contains("is pending"), Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let pending = try await first.run(job, run)
        #expect(pending["startedAt"] is NSNull && pending["status"] as? String == "running", "\(pending)")
        #expect(first.stop(with: SIGKILL) != nil)

        let second = try ServeProcess(extraArguments: arguments, dataDirectory: first.dataDirectory)
        try await Task.sleep(for: .seconds(1))
        #expect(try await second.run(job, run)["startedAt"] is NSNull, "still in Slurm's queue after the restart")
        _ = try Self.slurm("scontrol", ["update", "PartitionName=held", "State=UP"])
        let final = try await second.waitForRun(job, run, timeout: 90)
        #expect(final["status"] as? String == "succeeded" && !(final["startedAt"] is NSNull), "\(final)")
        let log = String(decoding: try await second.log(job, run), as: UTF8.self)
        #expect(log.contains("is pending: PartitionDown") && log.contains("following it again"), "\(log)")
        #expect(log.contains("ran on n1\n") || log.contains("ran on n2\n"), "\(log)")
    }

    /// A Slurm command's output (`SLURM_CONF` comes from the cluster's env file).
    static func slurm(_ command: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/" + command)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return output
    }
}
