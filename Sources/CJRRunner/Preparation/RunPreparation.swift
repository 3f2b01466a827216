import Foundation
import Logging
import CJRModel
import CJRStore

/// Makes a run ready to launch: decides its sandbox (``SandboxPlan``), writes its files
/// into a fresh workspace (each checked against its hash), builds its environment
/// (runtime parameters, credentials, a token for the API) and says all of it as a
/// ``LaunchSpec``. Whatever fails here fails the run before anything of it executes, with
/// one line for its log.
struct RunPreparation: Sendable {
    let store: RunStore
    let configuration: RunnerConfiguration
    let sandbox: SandboxHost
    /// The `cjr-launch` binary, hidden from contained runs.
    let launcher: String
    let logger: Logger

    /// A run ready to launch.
    struct Prepared: Sendable {
        var spec: LaunchSpec
        var workspace: RunWorkspace
        /// `[cjr]` lines for the run's log before its output: what it goes without, what
        /// it gets empty.
        var notes: [String]
    }

    /// Why the run could not be prepared, as its log says it (after what it would have
    /// gone without, when that was known).
    struct Failure: Error {
        var notes: [String]
    }

    /// `log` takes what a preparation step prints (pip installing requirements.txt);
    /// `control` stops such a step on a cancel; `api` is what the run gets to reach the API
    /// (its token issued when the run was claimed).
    func prepare(_ run: CustomJobRun, bundle: ResourceBundle, api: (endpoint: String?, token: String?), control: RunControl,
                 log: LogRecorder) async throws(Failure) -> Prepared {
        var version = try? await store.environments().first { $0.id == run.environmentId }?
            .versions.first { $0.id == run.environmentVersionId }
        var installed: String?
        do {
            (version, installed) = try await Requirements(store: store, timeoutSeconds: configuration.timeoutSeconds)
                .environment(for: run, base: version, control: control) { bytes in await log.append(bytes) }
        } catch {
            throw Failure(notes: [error.message])
        }
        var plan: SandboxPlan
        do {
            plan = try SandboxPlan.make(for: run, host: sandbox, view: view(of: run, version: version, bundle: bundle),
                                        allowUnsandboxed: configuration.allowUnsandboxed)
            plan.warnings += try SandboxPlan.limits(for: run, bundle: bundle, host: sandbox, allowUnenforced: configuration.allowUnenforcedLimits)
        } catch {
            throw Failure(notes: [error.message])
        }
        var notes = plan.warnings + (installed.map { [$0] } ?? [])
        guard let entry = run.entryPointItem else {
            throw Failure(notes: notes + ["the entry point \(run.entryPoint) is not among the run's files"])
        }
        let workspace: RunWorkspace
        do {
            workspace = try RunWorkspace.materialize(run, store: store, under: configuration.workspaceRoot, temporary: !plan.contained)
        } catch let error as BlobIntegrityError {
            logger.error("a stored file of the run was tampered with; the run was not started",
                         metadata: ["run": "\(run.id)", "job": "\(run.customJobId)", "hash": "\(error.hash)"])
            RunWorkspace(for: run.id, in: store.directory, under: configuration.workspaceRoot).remove()
            throw Failure(notes: notes + ["the run was not started: \(error). Upload the job's files again."])
        } catch {
            RunWorkspace(for: run.id, in: store.directory, under: configuration.workspaceRoot).remove()
            throw Failure(notes: notes + ["could not prepare the run's files: \(error)"])
        }
        var environment = RunEnvironment(run: run, version: version, workspace: workspace, privateTemporary: plan.contained)
        do {
            try await environment.addParameters(of: run, drum: configuration.drumVariables) { id in
                try await store.credentialSecrets(id: id, ownerId: run.startedBy ?? "")
            }
        } catch {
            if !configuration.keepWorkspaces { workspace.remove() }
            throw Failure(notes: notes + ["could not build the run's environment: \((error as? CJRError)?.message ?? "\(error)")"])
        }
        let unset = environment.unsetJobTypeVariables(of: run)
        if !unset.isEmpty {
            notes.append("this \(run.jobType.rawValue) job gets \(unset.joined(separator: ", ")) empty: "
                + "cjr has no deployments, so declare runtime parameters of those names to supply them")
        }
        environment.addAPIAccess(endpoint: api.endpoint, token: api.token)
        let spec = LaunchSpec(
            runId: run.id, command: Self.command(for: entry, in: workspace), environment: environment.variables,
            workingDirectory: workspace.jobDirectory.path, statusFile: workspace.statusFile.path,
            sandboxArguments: plan.launcherArguments, protections: plan.protections, runUIDBase: plan.runUIDBase,
            bundle: bundle, timeoutSeconds: configuration.timeoutSeconds, graceSeconds: configuration.graceSeconds,
            terminalSize: configuration.terminal.map { ($0.columns, $0.rows) })
        return Prepared(spec: spec, workspace: workspace, notes: notes)
    }

    /// What a contained run sees of the host besides the standard view: its own job/ and
    /// home/ read-write; cjr's data directory and own files hidden; its environment's
    /// directories shown again should a hidden directory (/root, /home) hold them.
    private func view(of run: CustomJobRun, version: ExecutionEnvironmentVersion?, bundle: ResourceBundle) -> SandboxPlan.View {
        let workspace = RunWorkspace(for: run.id, in: store.directory, under: configuration.workspaceRoot)
        var hidden = [store.directory.root.path, launcher] + Self.homeDirectories + Self.executable
        if let policies = sandbox.policies { hidden.append(policies.directory.path) }
        return SandboxPlan.View(runDirectories: [workspace.jobDirectory.path, workspace.home.path], hidden: hidden,
                                exposed: SandboxPlan.environmentPaths(of: version), temporaryBytes: bundle.memoryBytes,
                                runUIDBase: configuration.runUIDBase)
    }

    /// cjr's own executable (the server, `cjr run`, or a test runner), read once.
    static let executable: [String] = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")).map { [$0] } ?? []

    /// The home directory of cjr's user, wherever it lies (a service account's under
    /// /var/lib, say), by `HOME` and by the password database.
    static let homeDirectories: [String] = {
        var homes: [String] = []
        if let home = ProcessInfo.processInfo.environment["HOME"], home.hasPrefix("/") { homes.append(home) }
        if let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir { homes.append(String(cString: directory)) }
        return Array(Set(homes.filter { $0 != "/" })).sorted()
    }()

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
