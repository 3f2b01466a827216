import ArgumentParser
import CCJRHost
import Foundation
import Logging
import UnixSignals
import ServiceLifecycle
import Yams
import CJRAPI
import CJRClient
import CJRModel
import CJRParameters
import CJRRunner
import CJRStore

/// `cjr run DIR`: run a job folder once, as it would run after upload, without a server.
/// The same instance as `cjr serve` (store, scheduler, launcher, parameter rules, and the
/// API on loopback for the run's own calls), embedded for one run.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a job folder as a custom job, streaming its output; exits with the job's exit code.",
        discussion: """
            Exit codes: the entry point's own; 128+N when signal N ended it; 124 on timeout; \
            130 when interrupted (Ctrl-C cancels the run and waits until its processes are gone); \
            125 when the run is refused before it starts: `cjr check` finds errors in the folder, or a \
            parameter value, bundle or environment is not accepted.
            """
    )

    @Argument(help: "The job folder (an entry point such as run.sh, code, metadata.yaml).")
    var directory: String

    @Option(name: .customLong("entry-point"), help: "The entry point's path inside the folder (default: run.sh).")
    var entryPoint: String?

    @Option(name: .customLong("param"), help: "A runtime parameter value, NAME=VALUE (repeatable).")
    var parameters: [String] = []

    @Option(name: .customLong("param-file"), help: "A YAML file of NAME: VALUE runtime parameter values.")
    var parameterFile: String?

    @Option(help: "Seconds before the run is stopped (default 3600; 1800 with --profile datarobot).")
    var timeout: Int?

    @Option(help: "Egress network policy of the run: none or public.")
    var egress = CustomJobResources.defaultEgress.rawValue

    @Option(name: .customLong("resource-bundle"), help: "Resource bundle (limits): cpu.micro, cpu.small, cpu.medium (default) or cpu.large; see sandbox/README.md.")
    var resourceBundle: String?

    @Option(name: .customLong("job-type"), help: "The job's type: default, hostedCustomMetric, notification or retraining.")
    var jobType = JobType.default.rawValue

    @Option(help: "Execution environment, by name or ID (default: the built-in one; see `cjr environments list`).")
    var environment: String?

    @Flag(name: .customLong("allow-unsandboxed"), help: "Run even if the run cannot be contained, or egress none enforced, on this host (see `cjr doctor`).")
    var allowUnsandboxed = false

    @Flag(name: .customLong("allow-unenforced-limits"), help: "Run jobs that name a resource bundle this host cannot enforce (no cgroups for cjr's user) without its limits, instead of failing them; `cjr doctor` shows how to enable them.")
    var allowUnenforcedLimits = false

    @Flag(help: "Print the run's record as JSON at the end instead of the summary line.")
    var json = false

    @Flag(help: "Give the entry point a pseudo-terminal for stdout and stderr (programs colour and buffer as in a shell); the stored log stays plain text.")
    var tty = false

    @OptionGroup var dataDirectory: DataDirectoryOption

    @OptionGroup var profileOption: ProfileOption

    func validate() throws {
        _ = try profileOption.profile
        if let timeout, timeout < 1 { throw ValidationError("--timeout must be at least 1 second") }
        guard EgressNetworkPolicy(rawValue: egress) != nil else { throw ValidationError("--egress must be none or public") }
        guard JobType(rawValue: jobType) != nil else {
            throw ValidationError("--job-type must be one of \(JobType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        _ = cjr_set_undumpable() // the job runs as this user; cjr's memory holds its API token
        signal(SIGPIPE, SIG_IGN) // output nobody reads (`| head`) must not kill cjr mid-run
        // Everything `cjr check` finds, before anything is stored: a refused folder leaves nothing.
        let profile = try profileOption.profile
        let timeout = self.timeout ?? profile?.timeoutSeconds ?? 3_600
        try FolderGate.check(directory, entryPoint: entryPoint, profile: profile)
        let folder = URL(fileURLWithPath: directory).standardizedFileURL
        // Ctrl-C (or SIGTERM) from the very start: before the run exists it just ends cjr;
        // then it cancels the run; a second one stops waiting (for a full disk, say).
        let interrupts = Interrupts()
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        let listener = Task { for await _ in signals { await interrupts.received() } }
        defer { listener.cancel() }

        var logger = Logger(label: "cjr")
        logger.logLevel = .error
        // The same instance as `cjr serve`, serving the API on loopback while the run lasts
        // (a job that calls it works as under a server), executing only this run.
        var configuration = APIConfiguration(host: "127.0.0.1", port: 0, dataDirectory: dataDirectory.directory, maxRuns: 1,
                                             maxTimeoutSeconds: timeout)
        configuration.runner.allowUnsandboxed = allowUnsandboxed
        configuration.runner.allowUnenforcedLimits = allowUnenforcedLimits
        if tty {
            // The size of the terminal cjr prints to, else the classic 80 x 24.
            var size = winsize()
            let sized = ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 && size.ws_row > 0
            configuration.runner.terminal = RunTerminal(columns: sized ? Int(size.ws_col) : 80, rows: sized ? Int(size.ws_row) : 24) { bytes in
                try? FileHandle.standardOutput.write(contentsOf: Data(bytes))
            }
        }
        configuration.runner.adoptsQueuedRuns = false
        configuration.runner.hostProbeCache = dataDirectory.directory.hostProbe // each cjr run is a new process
        configuration.firesSchedules = false // schedules are the server's
        configuration.leftoverSweep = .whenDue // a sweep lists every blob and log: daily is enough
        if let profile { configuration.runner.resourceBundles = try profile.bundles(adding: .builtIn) }
        let instance = try await CJRInstance(configuration: configuration, logger: logger)
        let store = instance.store
        // `cjr run` acts as the data directory's admin: its jobs and runs are the admin's.
        let admin = try store.adminUserId()

        // The folder is stored while the server is set up and starts (each costs a few
        // milliseconds: a first read connection, the folder's hashing; the router, threads
        // and socket); the run is created once both are done.
        let preparing = Task { try await prepare(folder: folder, store: store, userId: admin) }
        let scheduler = instance.scheduler
        let (listening, ready) = AsyncStream<Int>.makeStream()
        let app = APIServer.makeApplication(instance: instance, logger: logger) { port in ready.yield(port) }
        // Named here: unnamed, ServiceLifecycle names a service by describing it, which
        // reflects the whole application (0.1 ms of every `cjr run`).
        let group = ServiceGroup(configuration: .init(services: [.init(service: app, serviceName: "cjr API server")], logger: logger))
        let serving = Task {
            defer { ready.finish() }
            try await group.run()
        }
        /// Stops the server (its start-up recovery finished) before cjr exits early.
        func stopServing() async {
            await group.triggerGracefulShutdown()
            try? await serving.value
        }
        /// A refused folder or run: said like a compiler would, exit 125.
        func refuse(_ error: CJRError) async -> ExitCode {
            await stopServing()
            try? FileHandle.standardError.write(contentsOf: Data(Preflight.describe(error, folder: folder.path).utf8))
            return ExitCode(FolderGate.refusedExitCode)
        }

        let (job, overrides): (CustomJob, [RuntimeParameterOverride])
        do {
            (job, overrides) = try await preparing.value
        } catch let error as CJRError {
            throw await refuse(error)
        } catch {
            await stopServing()
            throw error
        }
        var announced: Int?
        for await port in listening { announced = port; break }
        guard announced != nil else {
            try await serving.value // the server's reason for not starting
            throw ExitCode.failure
        }
        // The run exists only once everything is in place to execute it: one refused or
        // abandoned before this leaves nothing queued behind.
        let run: CustomJobRun
        await interrupts.creatingRun()
        do {
            run = try await store.createRun(jobId: job.id, description: "cjr run \(directory)", overrides: overrides, startedBy: admin,
                                            trigger: .cli)
        } catch let error as CJRError {
            throw await refuse(error)
        }
        await interrupts.watch { count in
            if count == 1 {
                try? FileHandle.standardError.write(contentsOf: Data("\ncjr: canceling the run (its processes get SIGTERM, then SIGKILL)…\n".utf8))
                _ = try? await scheduler.cancel(jobId: job.id, runId: run.id)
            } else {
                try? FileHandle.standardError.write(contentsOf: Data("\ncjr: not waiting any longer; the next cjr start settles the run\n".utf8))
                await group.triggerGracefulShutdown()
            }
        }
        await scheduler.submit(run.id, userId: admin)
        // Its output from the store as it is written; a run that ends at once (refused
        // before it started) still shows why.
        if !tty { // with a terminal, the run's output (and cjr's notes) reach stdout as they come
            try? await StoreLogFollower(store: store).copy(jobId: job.id, runId: run.id, follow: true)
        }
        var final = try await store.run(jobId: job.id, runId: run.id)
        while !final.status.isFinal, await !interrupts.gaveUp { // the log ends as the run does; its record follows
            try await Task.sleep(for: .milliseconds(20))
            final = (try? await store.run(jobId: job.id, runId: run.id)) ?? final
        }
        await group.triggerGracefulShutdown()
        try? await serving.value
        guard final.status.isFinal else { throw ExitCode(130) }
        report(final, store: store)
        // Exits with the store still open (the server has stopped: the run's end, its log and
        // its workspace's removal are done). Released, the store would close its connections,
        // and the last close checkpoints the WAL with an fsync (up to 2 ms, which exit then
        // waits for). The next open recovers the WAL as after a crash. As for every commit
        // under `synchronous = NORMAL`, the store is durable across crashes of cjr, not of the
        // machine: a power loss before SQLite's next checkpoint can lose the last commits.
        withExtendedLifetime(instance) { Glibc.exit(Self.exitCode(of: final)) }
    }

    /// Stores the folder as a job (files, entry point) and reads the parameter values its
    /// run gets (checked against the job's definitions).
    /// The folder's job: the one an earlier `cjr run` of this folder made (files, entry point
    /// and settings made to match the folder and this command line), else a new one, named
    /// by metadata.yaml's `name:` or the folder. Parameter values are read and checked
    /// first, so a refused run stores nothing.
    private func prepare(folder: URL, store: RunStore, userId: String) async throws -> (CustomJob, [RuntimeParameterOverride]) {
        let metadata = try? String(contentsOf: folder.appendingPathComponent(MetadataParser.fileName), encoding: .utf8)
        let definitions = try metadata.map { try MetadataParser.definitions(fromYAML: $0) } ?? []
        // Credentials by name: the admin's own (cjr run acts as the admin).
        let overrides = try await ParameterArguments(definitions: definitions, credential: { name in
            let mine = try await store.credentials(ownerId: userId, page: PageRequest(limit: PageRequest.maxLimit)).items
            guard let match = mine.first(where: { $0.name == name }) else {
                throw CJRError.invalid("--param", "no credential named '\(name)'\(Suggestion.phrase(for: name, among: mine.map(\.name)))")
            }
            return match.id
        }).resolvedOverrides(pairs: parameters, file: parameterFile)
        for definition in definitions where !definition.allowEmpty {
            let value = overrides.first { $0.fieldName == definition.fieldName }?.value ?? definition.defaultValue
            if value == nil || value == .string("") {
                throw CJRError.invalid("--param",
                    "parameter '\(definition.fieldName)' has allowEmpty: false and no value; pass one with --param \(definition.fieldName)=VALUE")
            }
        }
        let declared = metadata.flatMap { (try? Yams.load(yaml: $0)) as? [String: Any] }?["name"] as? String
        let name = declared ?? folder.lastPathComponent
        let origin = "Made by cjr run from \(folder.path)"
        var changes = JobChanges(jobType: JobType(rawValue: jobType),
                                 resources: CustomJobResources(egressNetworkPolicy: EgressNetworkPolicy(rawValue: egress) ?? .public,
                                                               resourceBundleId: resourceBundle))
        changes.environmentId = ExecutionEnvironment.defaultID
        let known = try await store.environments()
        if let environment {
            guard let match = known.first(where: { $0.id == environment || $0.name == environment }) else {
                throw CJRError.invalid("--environment", "no execution environment is named '\(environment)' "
                    + "(known: \(known.map(\.name).joined(separator: ", "))); add one with `cjr environments add`")
            }
            changes.environmentId = match.id
        }
        // Its latest version, said outright (as the store would pick it), so that an
        // unchanged folder is seen to be unchanged.
        changes.environmentVersionId = known.first { $0.id == changes.environmentId }?.latestVersion?.id
        changes.uploads = try JobFolder(root: folder).upload(to: store.blobs)
        var job: CustomJob
        if let earlier = try await store.liveJob(describedAs: origin, ownerId: userId) {
            let paths = Set(changes.uploads.map(\.path.value))
            var gone = earlier.items.filter { !paths.contains($0.filePath) }.map(\.id)
            // A request deletes at most so many files; the rest go first, in as many as needed.
            while gone.count > FieldLimits.filesToDeletePerRequest {
                _ = try await store.updateJob(id: earlier.id, JobChanges(filesToDelete: Array(gone.prefix(FieldLimits.filesToDeletePerRequest))), by: userId)
                gone.removeFirst(FieldLimits.filesToDeletePerRequest)
            }
            changes.filesToDelete = gone
            changes.name = name
            // The same folder run again: nothing to write (a write transaction saved per run).
            // Its bundle is checked all the same: which bundles exist depends on --profile.
            try store.resourceBundles.validate(resourceBundle)
            job = changes.wouldChange(earlier) ? try await store.updateJob(id: earlier.id, changes, by: userId) : earlier
        } else {
            changes.name = name
            changes.description = origin
            job = try await store.createJob(changes, ownerId: userId)
        }
        let entryPath = entryPoint ?? "run.sh"
        guard let entry = job.item(atPath: try JobFilePath(validating: entryPath, field: "entry point").value) else {
            throw CJRError.invalid("entryPoint", "the folder has no \(entryPath); add one or name another file with --entry-point")
        }
        if job.entryPoint != entry.id { job = try await store.updateJob(id: job.id, JobChanges(entryPoint: entry.id), by: userId) }
        return (job, overrides)
    }

    private func report(_ run: CustomJobRun, store: RunStore) {
        if json {
            // The run's record exactly as the API serves it.
            if let data = try? JSONResponse.runRecord(run) { print(String(decoding: data, as: UTF8.self)) }
            return
        }
        let summary = RunDescription.summary(run) + " · log stored in \(store.directory.database.path)\n"
            + "cjr: sandbox: \(run.sandbox.map { $0.isEmpty ? "none (see cjr doctor)" : $0.joined(separator: ", ") } ?? "-")\n"
        try? FileHandle.standardError.write(contentsOf: Data(summary.utf8))
    }

    static func exitCode(of run: CustomJobRun) -> Int32 {
        run.endReason?.commandExitCode(jobExitCode: run.exitCode) ?? 1
    }
}

/// Ctrl-C and SIGTERM for `cjr run`: before the run exists they end cjr at once; after,
/// each one goes to the handler given to ``watch(_:)`` with how many came so far.
actor Interrupts {
    private var count = 0
    private var handler: (@Sendable (Int) async -> Void)?
    /// From here an interrupt waits for the handler: the run may exist already.
    private var creating = false

    /// A second interrupt: cjr stops waiting for the run's end to be recorded.
    var gaveUp: Bool { count >= 2 }

    func received() async {
        count += 1
        if handler == nil && creating { return } // handed over by watch(_:)
        guard let handler else {
            try? FileHandle.standardError.write(contentsOf: Data("\ncjr: interrupted before the run started; nothing was run\n".utf8))
            exit(130)
        }
        await handler(count)
    }

    func creatingRun() { creating = true }

    /// From now on interrupts go to `handler`; one that came already is handed over now.
    func watch(_ handler: @escaping @Sendable (Int) async -> Void) async {
        self.handler = handler
        if count > 0 { await handler(count) }
    }
}
