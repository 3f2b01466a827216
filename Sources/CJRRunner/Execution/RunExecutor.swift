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
        let counters = (cgroups.outOfMemoryKills, cgroups.processLimitHits)
        await cgroups.remove()
        try? await log.finish()
        let decision = RunDecision.decide(
            status: LauncherStatus(file: workspace.statusFile), stopped: control.reason,
            outOfMemoryKills: counters.0, processLimitHits: counters.1,
            context: RunDecision.Context(timeoutSeconds: configuration.timeoutSeconds, graceSeconds: configuration.graceSeconds,
                                         bundle: bundle))
        for note in decision.notes { try? await log.note(note) }
        return decision.outcome
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
}
