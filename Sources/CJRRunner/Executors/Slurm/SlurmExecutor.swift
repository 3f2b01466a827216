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

    /// How often the shared directory is looked at (the output, the launcher's status).
    static let filePollInterval: Duration = .milliseconds(50)
    /// How often slurmrestd is asked for the job's state.
    static let statePollInterval: Duration = .milliseconds(250)
    /// How long a job waits in Slurm's queue before its log says why.
    static let pendingNoteAfter: Duration = .seconds(1)
    static let finalStates: Set<String> = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
                                           "BOOT_FAIL", "DEADLINE", "PREEMPTED"]

    func execute(_ spec: LaunchSpec, control: RunControl, reports: LaunchReports) async throws -> ExecutionResult {
        let outputFile = URL(fileURLWithPath: spec.statusFile).deletingLastPathComponent().appendingPathComponent(Self.outputFileName)
        let script = "#!/bin/sh\nexec " + ([launcher] + spec.launcherOptions + spec.launcherTail).map(Self.quoted).joined(separator: " ") + "\n"
        let cpus = max(1, Int(spec.bundle.cpuCount.rounded(.up)))
        let megabytes = max(1, Int(spec.bundle.memoryBytes >> 20))
        let job = SlurmJobRequest(
            name: "cjr-\(spec.runId)", script: script, workingDirectory: spec.workingDirectory, outputFile: outputFile.path,
            environment: spec.environment,
            // Whole minutes, rounded up: cjr's own deadline stops the run at the exact second.
            timeLimitMinutes: max(1, (spec.timeoutSeconds + 59) / 60),
            cpusPerTask: cpus, memoryMegabytes: megabytes, partition: client.settings.partition)
        let id: Int
        do {
            id = try await client.submit(job)
        } catch {
            throw LaunchFailure(message: "Slurm did not take the run: \(error)")
        }
        let launch = StartedLaunch(launcher: nil, cgroup: nil,
                                   protections: spec.protections + ["slurm:job=\(id)", "slurm:cpus=\(cpus),memory=\(megabytes)M"],
                                   running: false)
        // Recorded at once (the job, for a restart), but it is queued until Slurm runs it.
        await reports.started(launch)
        return try await follow(id, launch: launch, outputFile: outputFile, statusFile: URL(fileURLWithPath: spec.statusFile), offset: 0,
                                control: control, reports: reports)
    }

    /// Follows job `id` to its end: its state (reported started once it leaves Slurm's
    /// queue), its output file past `offset`, a cancel asked through `control`; then what
    /// the launcher and Slurm say of its end. `launch` is what was recorded when it was submitted.
    private func follow(_ id: Int, launch: StartedLaunch, outputFile: URL, statusFile: URL, offset start: UInt64, control: RunControl,
                        reports: LaunchReports) async throws -> ExecutionResult {
        var offset = start
        var cancelSent = false
        var last: SlurmJobState?
        var pendingReason = ""
        var pendingSince: ContinuousClock.Instant?
        var running = launch.running
        var nextStatePoll = ContinuousClock.now
        func reportRunning() async {
            guard !running else { return }
            running = true
            var now = launch
            now.running = true
            await reports.started(now)
        }
        // The shared directory is watched often (cheap); Slurm is asked less often (each
        // question is a slurmctld RPC).
        while true {
            // slurmstepd creates the output file when the job starts on its node (one
            // canceled in the queue never has one).
            if let next = try await Self.copy(outputFile, from: offset, to: reports.output) {
                offset = next
                await reportRunning()
            }
            if control.reason != nil && !cancelSent {
                cancelSent = true
                try? await client.cancel(id)
            }
            // The launcher has reported: its output is complete. An exit is the whole
            // story once Slurm has been asked whether it canceled or timed the job out (it
            // says so before the launcher ends); after a signal, Slurm's end is awaited, which
            // may tell more (OUT_OF_MEMORY).
            if case .exited? = LauncherStatus(file: statusFile) {
                if let state = try? await client.job(id) { last = state }
                break
            }
            if ContinuousClock.now >= nextStatePoll, let state = try? await client.job(id) {
                nextStatePoll = .now + Self.statePollInterval
                last = state
                if state.state == "PENDING" {
                    // Why Slurm holds it (Resources, Priority, a partition down…), said once
                    // per reason when it waits long enough to matter, not for a scheduling cycle.
                    let since = pendingSince ?? .now
                    pendingSince = since
                    if state.reason != pendingReason, .now - since >= Self.pendingNoteAfter, !state.reason.isEmpty, state.reason != "None" {
                        pendingReason = state.reason
                        await reports.note("Slurm job \(id) is pending: \(state.reason)")
                    }
                } else if state.state == "RUNNING" {
                    await reportRunning()
                }
                if Self.finalStates.contains(state.state) { break }
            }
            try? await Task.sleep(for: Self.filePollInterval)
        }
        // Slurm wrote the file from the node; over a network filesystem the end may show
        // here a moment later: while the launcher's status is missing, give it that moment.
        for _ in 0..<4 where LauncherStatus(file: statusFile) == nil {
            try? await Task.sleep(for: .milliseconds(100))
            offset = try await Self.copy(outputFile, from: offset, to: reports.output) ?? offset
        }
        _ = try await Self.copy(outputFile, from: offset, to: reports.output)
        var result = ExecutionResult(status: LauncherStatus(file: statusFile))
        switch last?.state {
        case "NODE_FAIL"?, "BOOT_FAIL"?, "PREEMPTED"?, "DEADLINE"?:
            await reports.note("Slurm ended job \(id) \(last?.state ?? "") on \(last?.nodes ?? "its node") (\(last?.reason ?? "")): the run was lost")
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
            await reports.note("Slurm job \(id) ended \(last.state) with exit code \(last.exitCode >> 8) before cjr-launch reported")
        }
        return result
    }

    var outlivesServer: Bool { true }

    func canReattach(_ record: ActiveRunRecord) -> Bool { Self.jobId(in: record) != nil }

    /// After a restart: the run's Slurm job, if Slurm still knows it (running, or ended
    /// while cjr was down: its end is then read as if cjr had watched it).
    func reattach(_ record: ActiveRunRecord, workspace: RunWorkspace, offset: UInt64, control: RunControl,
                  reports: LaunchReports) async throws -> ExecutionResult? {
        guard let id = Self.jobId(in: record), (try? await client.job(id)) != nil else { return nil }
        let launch = StartedLaunch(launcher: nil, cgroup: nil, protections: record.sandbox, running: record.started)
        return try await follow(id, launch: launch, outputFile: workspace.root.appendingPathComponent(Self.outputFileName),
                                statusFile: workspace.statusFile, offset: offset, control: control, reports: reports)
    }

    static let outputFileName = "slurm-output.log"

    /// The Slurm job a run's record names (`slurm:job=ID`).
    static func jobId(in record: ActiveRunRecord) -> Int? {
        record.sandbox.first { $0.hasPrefix("slurm:job=") }.flatMap { Int($0.dropFirst("slurm:job=".count)) }
    }

    /// cjr restarted while the run executed on the cluster; nothing of it is on this machine.
    func reap(_ record: ActiveRunRecord) async {}

    /// Hands on what `file` has past `offset`; returns the new offset, nil while there is no file.
    static func copy(_ file: URL, from offset: UInt64, to output: @Sendable ([UInt8]) async throws -> Void) async throws -> UInt64? {
        guard let handle = try? FileHandle(forReadingFrom: file) else { return nil }
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
