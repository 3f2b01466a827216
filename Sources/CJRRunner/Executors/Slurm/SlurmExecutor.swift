import Foundation
import CJRModel
import CJRStore

/// Runs the entry point as one Slurm batch job through slurmrestd: the batch script execs
/// `cjr-launch` on the node with the same sandbox options as a local run, in the run's
/// working directory under the shared directory; the launcher's output goes to a file there,
/// which is read as it grows, so the log is live as for a local run. The launcher's status
/// file decides the outcome as locally; Slurm's state tells what the launcher could not
/// (a node that failed, Slurm's own time limit, a cancel from outside cjr).
///
/// After cjr restarts (a crash: a graceful stop cancels its runs, as locally), a run whose
/// Slurm job Slurm still knows is followed again, its log going on from where the stored
/// log ends; one Slurm no longer knows is interrupted.
struct SlurmExecutor: Executor {
    let launcher: String
    let client: SlurmClient

    init(launcher: String, settings: SlurmSettings) {
        self.launcher = launcher
        client = SlurmClient(settings: settings)
    }

    static let pollInterval: Duration = .milliseconds(250)
    static let finalStates: Set<String> = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
                                           "BOOT_FAIL", "DEADLINE", "PREEMPTED"]

    func execute(_ spec: LaunchSpec, control: RunControl,
                 started: @escaping @Sendable (StartedLaunch) async -> Void,
                 output: @escaping @Sendable ([UInt8]) async throws -> Void) async throws -> ExecutionResult {
        let outputFile = URL(fileURLWithPath: spec.statusFile).deletingLastPathComponent().appendingPathComponent(Self.outputFileName)
        var arguments = ["--status-file", spec.statusFile, "--grace-ms", String(Int(spec.graceSeconds * 1000))]
        if let size = spec.terminalSize { arguments += ["--tty", "\(size.columns)x\(size.rows)"] }
        arguments += spec.sandboxArguments + ["--"] + spec.command
        let script = "#!/bin/sh\nexec " + ([launcher] + arguments).map(Self.quoted).joined(separator: " ") + "\n"
        let cpus = max(1, Int(spec.bundle.cpuCount.rounded(.up)))
        let megabytes = max(1, Int(spec.bundle.memoryBytes >> 20))
        var job: [String: Any] = [
            "name": "cjr-\(spec.runId)",
            // Whole minutes, rounded up: cjr's own deadline stops the run at the exact second.
            "time_limit": max(1, (spec.timeoutSeconds + 59) / 60),
            "current_working_directory": spec.workingDirectory,
            "standard_output": outputFile.path, "standard_error": outputFile.path,
            // The job's whole environment (Slurm adds its SLURM_* variables); never empty.
            "environment": spec.environment.isEmpty ? ["PATH": "/usr/bin:/bin"] : spec.environment,
            "cpus_per_task": cpus, "memory_per_node": megabytes,
        ]
        if let partition = client.settings.partition { job["partition"] = partition }
        let id: Int
        do {
            id = try await client.submit(script: script, job: job)
        } catch {
            throw LaunchFailure(message: "Slurm did not take the run: \(error)")
        }
        await started(StartedLaunch(launcher: nil, cgroup: nil,
                                    protections: spec.protections + ["slurm:job=\(id)", "slurm:cpus=\(cpus),memory=\(megabytes)M"]))

        return try await follow(id, outputFile: outputFile, statusFile: URL(fileURLWithPath: spec.statusFile), offset: 0,
                                control: control, output: output)
    }

    /// Follows job `id` to its end: its output file past `offset`, its state, a cancel
    /// asked through `control`; then what the launcher and Slurm say of its end.
    private func follow(_ id: Int, outputFile: URL, statusFile: URL, offset start: UInt64, control: RunControl,
                        output: @escaping @Sendable ([UInt8]) async throws -> Void) async throws -> ExecutionResult {
        var offset = start
        var cancelSent = false
        var last: SlurmClient.JobState?
        while true {
            offset = try await Self.copy(outputFile, from: offset, to: output)
            if control.reason != nil && !cancelSent {
                cancelSent = true
                try? await client.cancel(id)
            }
            if let state = try? await client.job(id) {
                last = state
                if Self.finalStates.contains(state.state) { break }
            }
            try? await Task.sleep(for: Self.pollInterval)
        }
        // Slurm writes the file from the node: take what arrives in the next moments too.
        for _ in 0..<4 {
            try? await Task.sleep(for: .milliseconds(100))
            offset = try await Self.copy(outputFile, from: offset, to: output)
        }
        var result = ExecutionResult(status: LauncherStatus(file: statusFile))
        switch last?.state {
        case "NODE_FAIL"?, "BOOT_FAIL"?, "PREEMPTED"?, "DEADLINE"?:
            try? await output(Array("\n[cjr] Slurm ended job \(id) \(last?.state ?? "") on \(last?.nodes ?? "its node") (\(last?.reason ?? "")): the run was lost\n".utf8))
            control.stop(.interrupted)
        case "TIMEOUT"?:
            control.stop(.timeout)
        case "CANCELLED"?:
            control.stop(.canceled) // by cjr (the reason is already set) or from outside it
        case "OUT_OF_MEMORY"?:
            result.outOfMemoryKills = 1
        default:
            break
        }
        if result.status == nil, let last, control.reason == nil {
            try? await output(Array("\n[cjr] Slurm job \(id) ended \(last.state) with exit code \(last.exitCode >> 8) before cjr-launch reported\n".utf8))
        }
        return result
    }

    var outlivesServer: Bool { true }

    func canReattach(_ record: ActiveRunRecord) -> Bool { Self.jobId(in: record) != nil }

    /// After a restart: the run's Slurm job, if Slurm still knows it (running, or ended
    /// while cjr was down: its end is then read as if cjr had watched it).
    func reattach(_ record: ActiveRunRecord, workspace: RunWorkspace, offset: UInt64, control: RunControl,
                  output: @escaping @Sendable ([UInt8]) async throws -> Void) async throws -> ExecutionResult? {
        guard let id = Self.jobId(in: record), (try? await client.job(id)) != nil else { return nil }
        return try await follow(id, outputFile: workspace.root.appendingPathComponent(Self.outputFileName), statusFile: workspace.statusFile,
                                offset: offset, control: control, output: output)
    }

    static let outputFileName = "slurm-output.log"

    /// The Slurm job a run's record names (`slurm:job=ID`).
    static func jobId(in record: ActiveRunRecord) -> Int? {
        record.sandbox.first { $0.hasPrefix("slurm:job=") }.flatMap { Int($0.dropFirst("slurm:job=".count)) }
    }

    /// cjr restarted while the run executed on the cluster; nothing of it is on this machine.
    func reap(_ record: ActiveRunRecord) async {}

    /// Hands on what `file` has past `offset`; returns the new offset.
    static func copy(_ file: URL, from offset: UInt64, to output: @Sendable ([UInt8]) async throws -> Void) async throws -> UInt64 {
        guard let handle = try? FileHandle(forReadingFrom: file) else { return offset }
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        var position = offset
        while let piece = try handle.read(upToCount: 1 << 20), !piece.isEmpty {
            try await output(Array(piece))
            position += UInt64(piece.count)
        }
        return position
    }

    /// `'…'` for the shell, whatever the text holds.
    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
