import Foundation
import Logging
import Subprocess
import CJRModel
import CJRStore
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Executes one run from start to end: materialise its files, start the entry point under
/// `cjr-launch` with a clean environment, stream its output (stdout and stderr interleaved
/// in order, one pipe) into the store, enforce the timeout, and work out how it ended.
struct RunExecutor: Sendable {
    let store: RunStore
    let configuration: RunnerConfiguration
    let launcher: String
    let sandbox: SandboxHost
    let logger: Logger

    /// How often a running run checks for a cancel requested through the store (from
    /// another process, e.g. a server beside `cjr run`) and flushes quiet output.
    static let pollInterval: Duration = .milliseconds(200)

    func execute(_ run: CustomJobRun, control: RunControl, apiEndpoint: String?) async -> RunOutcome {
        let bundles = configuration.resourceBundles
        let bundle = run.resources.resourceBundleId.flatMap(bundles.bundle(id:)) ?? bundles.defaultBundle
        let log = LogRecorder(store: store, runId: run.id, maxBytes: min(configuration.maxLogBytes, bundle.maxLogBytes))
        defer { control.markEnded() }
        let version = try? await store.environments().first { $0.id == run.environmentId }?
            .versions.first { $0.id == run.environmentVersionId }
        let plan: SandboxPlan
        do {
            plan = try SandboxPlan.make(for: run, host: sandbox, view: view(of: run, version: version, bundle: bundle),
                                        allowUnsandboxed: configuration.allowUnsandboxed)
        } catch {
            try? await log.note(error.message)
            return RunOutcome(status: .failed, reason: .launchFailed)
        }
        for warning in plan.warnings { try? await log.note(warning) }
        let workspace: RunWorkspace
        do {
            workspace = try RunWorkspace.materialize(run, store: store)
        } catch let error as BlobIntegrityError {
            logger.error("a stored file of the run was tampered with; the run was not started",
                         metadata: ["run": "\(run.id)", "job": "\(run.customJobId)", "hash": "\(error.hash)"])
            try? await log.note("the run was not started: \(error). Upload the job's files again.")
            RunWorkspace(for: run.id, in: store.directory).remove()
            return RunOutcome(status: .failed, reason: .launchFailed)
        } catch {
            try? await log.note("could not prepare the run's files: \(error)")
            return RunOutcome(status: .failed, reason: .launchFailed)
        }
        defer { if !configuration.keepWorkspaces { workspace.remove() } }
        guard let entry = run.entryPointItem else {
            try? await log.note("the entry point \(run.entryPoint) is not among the run's files")
            return RunOutcome(status: .failed, reason: .launchFailed)
        }
        var environment = RunEnvironment(run: run, version: version, workspace: workspace, privateTemporary: plan.contained)
        do {
            try await environment.addParameters(of: run, drum: configuration.drumVariables) { id in
                try await store.credentialSecrets(id: id)
            }
        } catch let error as CJRError {
            try? await log.note("could not build the run's environment: \(error.message)")
            return RunOutcome(status: .failed, reason: .launchFailed)
        } catch {
            try? await log.note("could not build the run's environment: \(error)")
            return RunOutcome(status: .failed, reason: .launchFailed)
        }
        let unset = environment.unsetJobTypeVariables(of: run)
        if !unset.isEmpty {
            try? await log.note("this \(run.jobType.rawValue) job gets \(unset.joined(separator: ", ")) empty: "
                + "cjr has no deployments, so declare runtime parameters of those names to supply them")
        }
        let token = try? await store.issueRunToken(runId: run.id, lifetime: configuration.timeoutSeconds + 60)
        defer { Task { [store] in try? await store.revokeRunToken(runId: run.id) } }
        environment.addAPIAccess(endpoint: apiEndpoint, token: token)
        let cgroups = sandbox.cgroups.create(runId: run.id, bundle: bundle)
        let cgroup = cgroups.tree
        var protections = plan.protections
        var arguments = ["--watch-stdin", "--status-file", workspace.statusFile.path,
                         "--grace-ms", String(Int(configuration.graceSeconds * 1000))]
        if let cgroup {
            arguments += ["--cgroup", cgroup]
            protections.append("cgroup:\(cgroup)")
        }
        for directory in cgroups.joins { arguments += ["--join", directory] }
        protections += cgroups.limits.isEmpty ? ["limits:not-enforced"] : cgroups.limits
        arguments += plan.launcherArguments + ["--"] + Self.command(for: entry, in: workspace)

        let recorded = protections
        var options = PlatformOptions()
        // Should this task be cancelled, stop the launcher as a cancel would.
        options.teardownSequence = [.send(signal: .terminate, allowedDurationToNextStep: .seconds(configuration.graceSeconds + 2))]
        do {
            _ = try await Subprocess.run(
                .path(FilePath(launcher)), arguments: Arguments(arguments),
                environment: environment.subprocessEnvironment,
                workingDirectory: FilePath(workspace.jobDirectory.path), platformOptions: options,
                input: .inputWriter, output: .sequence, error: .combinedWithOutput
            ) { execution in
                let pid = execution.processIdentifier.value
                control.attach(launcher: pid, cgroup: cgroup)
                var protections = recorded
                // As root the run's uid follows from the launcher's pid (see SandboxPlan).
                if let base = plan.runUIDBase { protections.insert("uid:\(UInt64(base) + UInt64(pid))", at: 2) }
                if let identity = ProcessInspector.identity(of: pid) {
                    try? await store.recordLauncher(runId: run.id, launcher: identity, cgroup: cgroup, sandbox: protections)
                }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await monitor(run: run, control: control, log: log) }
                    for try await chunk in execution.standardOutput {
                        try await log.append(chunk.withUnsafeBytes { Array($0) })
                    }
                    group.cancelAll()
                }
                // The launcher's stdin is cjr's liveness pipe; leaving it open until here
                // means the launcher only sees EOF if cjr itself goes away.
                try? await execution.standardInputWriter.finish()
            }
        } catch {
            try? await log.note("could not start the entry point: \(error)")
            await cgroups.remove()
            try? await log.finish()
            return RunOutcome(status: .failed, reason: .launchFailed)
        }
        let status = LauncherStatus(file: workspace.statusFile)
        var outcome = Self.outcome(status: status, stopped: control.reason)
        let limit = Self.limitHit(outOfMemoryKills: cgroups.outOfMemoryKills, processLimitHits: cgroups.processLimitHits)
        await cgroups.remove()
        // A limit explains a failure the job's own exit or a signal shows; a timeout, cancel
        // or shutdown stays what ended the run, with the limit as a note.
        if let limit, outcome.status == .failed, [.exited, .signaled].contains(outcome.reason) { outcome.reason = limit }
        try? await log.finish()
        if status == .setupFailed {
            try? await log.note("the run's sandbox could not be set up (cjr-launch said why, above); the entry point never ran")
        } else if let note = note(for: outcome, run: run, bundle: bundle) {
            try? await log.note(note)
        }
        if let limit, outcome.reason != limit, let note = Self.limitNote(limit, bundle: bundle) {
            try? await log.note(note + (outcome.status == .succeeded ? " (the run went on)" : ""))
        }
        return outcome
    }

    /// What a contained run sees of the host besides the standard view: its own job/ and
    /// home/ read-write; cjr's data directory and own files hidden; its environment's
    /// directories shown again should a hidden directory (/root, /home) hold them.
    private func view(of run: CustomJobRun, version: ExecutionEnvironmentVersion?, bundle: ResourceBundle) -> SandboxPlan.View {
        let workspace = RunWorkspace(for: run.id, in: store.directory)
        var hidden = [store.directory.root.path, launcher] + Self.homeDirectories
        if let policies = sandbox.policies { hidden.append(policies.directory.path) }
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { hidden.append(executable) }
        return SandboxPlan.View(runDirectories: [workspace.jobDirectory.path, workspace.home.path], hidden: hidden,
                                exposed: SandboxPlan.environmentPaths(of: version), temporaryBytes: bundle.memoryBytes,
                                runUIDBase: configuration.runUIDBase)
    }

    /// The home directory of cjr's user, wherever it lies (a service account's under
    /// /var/lib, say), by `HOME` and by the password database.
    static let homeDirectories: [String] = {
        var homes: [String] = []
        if let home = ProcessInfo.processInfo.environment["HOME"], home.hasPrefix("/") { homes.append(home) }
        if let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir { homes.append(String(cString: directory)) }
        return Array(Set(homes.filter { $0 != "/" })).sorted()
    }()

    /// Enforces the timeout and picks up cancels recorded in the store, until cancelled.
    private func monitor(run: CustomJobRun, control: RunControl, log: LogRecorder) async throws {
        let deadline = ContinuousClock.now + .seconds(configuration.timeoutSeconds)
        while !Task.isCancelled {
            try await Task.sleep(for: Self.pollInterval)
            try await log.flushIfStale()
            if ContinuousClock.now >= deadline { control.stop(.timeout) }
            if (try? await store.runStatus(id: run.id)) == .canceling { control.stop(.canceled) }
        }
    }

    /// `.sh` files, and files without a `#!` line, run with bash (as on the platform);
    /// other files with a `#!` line are executed directly.
    static func command(for entry: FileItem, in workspace: RunWorkspace) -> [String] {
        let path = workspace.jobDirectory.appendingPathComponent(entry.filePath).path
        if entry.filePath.hasSuffix(".sh") || !RunWorkspace.startsWithShebang(path) {
            return ["/bin/bash", entry.filePath]
        }
        return ["./" + entry.filePath]
    }

    static func outcome(status: LauncherStatus?, stopped: RunControl.Reason?) -> RunOutcome {
        var exitCode: Int?
        var signal: Int?
        switch status {
        case .exited(let code)?: exitCode = code
        case .signaled(let number)?: exitCode = 128 + number; signal = number
        case .setupFailed?: return RunOutcome(status: .failed, reason: .launchFailed)
        case nil: break
        }
        switch stopped {
        case .canceled?: return RunOutcome(status: .canceled, reason: .canceled, exitCode: exitCode, signal: signal)
        case .timeout?: return RunOutcome(status: .failed, reason: .timeout, exitCode: exitCode, signal: signal)
        case .interrupted?: return RunOutcome(status: .interrupted, reason: .interrupted, exitCode: exitCode, signal: signal)
        case nil: break
        }
        switch status {
        case .exited(0)?: return RunOutcome(status: .succeeded, reason: .exited, exitCode: 0)
        case .exited?: return RunOutcome(status: .failed, reason: .exited, exitCode: exitCode)
        case .signaled?: return RunOutcome(status: .failed, reason: .signaled, exitCode: exitCode, signal: signal)
        case .setupFailed?, nil: return RunOutcome(status: .failed, reason: .launchFailed)
        }
    }

    /// The limit a run ran into, out of memory first: the kernel killed something for it.
    static func limitHit(outOfMemoryKills: Int, processLimitHits: Int) -> RunEndReason? {
        if outOfMemoryKills > 0 { return .outOfMemory }
        if processLimitHits > 0 { return .processLimit }
        return nil
    }

    static func limitNote(_ reason: RunEndReason, bundle: ResourceBundle) -> String? {
        switch reason {
        case .outOfMemory:
            "out of memory: the kernel killed a process of the run for exceeding the memory limit of "
                + "\(bundle.memoryBytes >> 20) MiB (resource bundle \(bundle.id))"
        case .processLimit:
            "process limit: the run tried to have more than \(bundle.maxProcesses) processes and threads at once "
                + "(resource bundle \(bundle.id)); forks beyond it failed"
        default:
            nil
        }
    }

    private func note(for outcome: RunOutcome, run: CustomJobRun, bundle: ResourceBundle) -> String? {
        let grace = configuration.graceSeconds.formatted()
        switch outcome.reason {
        case .timeout:
            return "timed out after \(configuration.timeoutSeconds) s (maxCustomJobTimeout): every process of the run was sent SIGTERM, then SIGKILL after \(grace) s"
        case .canceled:
            return "canceled: every process of the run was sent SIGTERM, then SIGKILL after \(grace) s"
        case .interrupted:
            return "interrupted: the server stopped while the run was executing"
        case .signaled:
            return "the entry point was killed by signal \(outcome.signal ?? 0)"
        case .launchFailed:
            return "the launcher ended without reporting the entry point's status"
        case .exited:
            return nil
        case .outOfMemory, .processLimit:
            return Self.limitNote(outcome.reason, bundle: bundle)
        }
    }
}

/// What `cjr-launch` wrote to its status file.
enum LauncherStatus: Equatable {
    case exited(Int)
    case signaled(Int)
    /// The launcher could not set the entry point's sandbox up (cgroup, namespace, filter);
    /// the entry point never ran.
    case setupFailed

    init?(file: URL) {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, let number = Int(parts[1]) else { return nil }
        switch parts[0] {
        case "exit": self = .exited(number)
        case "signal": self = .signaled(number)
        case "setup": self = .setupFailed
        default: return nil
        }
    }
}
