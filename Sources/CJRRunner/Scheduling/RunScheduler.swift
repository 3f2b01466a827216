import Foundation
import Logging
import ServiceLifecycle
import CJRModel
import CJRStore

/// The bounded worker pool: at most `maxConcurrentRuns` runs execute at once (and at most
/// `maxRunsPerUser` of one user's); the rest wait in a ``FairQueue``: round-robin across
/// users, FIFO within each (the queue is kept in the store, so it survives a restart).
///
/// As a `Service` it recovers on start: runs left executing by a process that is gone are
/// marked `interrupted` (their leftover processes killed), queued runs start again. On
/// graceful shutdown, executing runs are stopped and recorded `interrupted`; queued ones
/// stay queued for the next start.
public actor RunScheduler: Service {
    private let store: RunStore
    private let configuration: RunnerConfiguration
    private let lifecycle: RunLifecycle
    private let executor: any Executor
    private let owner: ProcessIdentity
    private let logger: Logger
    private var queue = FairQueue()
    private var executing: [String: RunControl] = [:]
    /// The user of each executing run, for the per-user limit.
    private var userOfRun: [String: String] = [:]
    /// Runs to start, or to follow again after a restart (`resume`: what the store
    /// recorded), handed from the actor to ``run()``, whose task group executes them.
    private let starts: AsyncStream<(id: String, control: RunControl, resume: ActiveRunRecord?)>
    private let startsContinuation: AsyncStream<(id: String, control: RunControl, resume: ActiveRunRecord?)>.Continuation
    private var accepting = true
    /// This server's `/api/v2` URL, for `DATAROBOT_ENDPOINT`; known once it listens.
    private var apiEndpoint: String?

    /// What the host allows to contain runs (see `SandboxHost`).
    public nonisolated let sandbox: SandboxHost

    /// `sandbox` nil detects what the host allows.
    public init(store: RunStore, configuration: RunnerConfiguration, sandbox: SandboxHost? = nil,
                logger: Logger = Logger(label: "cjr.runs")) throws {
        self.store = store
        self.configuration = configuration
        self.logger = logger
        owner = ProcessInspector.current
        let launcher = try LauncherBinary.locate(override: configuration.launcherPath)
        self.sandbox = sandbox ?? SandboxHost.detect(launcher: launcher, cache: configuration.hostProbeCache)
        (starts, startsContinuation) = AsyncStream.makeStream()
        executor = configuration.slurm.map { SlurmExecutor(launcher: launcher, settings: $0) as any Executor }
            ?? LocalExecutor(launcher: launcher, cgroups: self.sandbox.cgroups)
        lifecycle = RunLifecycle(
            store: store, configuration: configuration,
            preparation: RunPreparation(store: store, configuration: configuration, sandbox: self.sandbox, launcher: launcher, logger: logger),
            executor: executor, logger: logger)
    }

    /// Recovers, then executes runs as they are started, each a child task of this
    /// method's group; on graceful shutdown (or cancellation) stops the executing ones and
    /// returns once they have ended.
    public func run() async throws {
        do {
            try await recover()
        } catch is CancellationError {
            // Stopped while recovering (a start cut short): the next start recovers.
        } catch {
            // The server serves anyway; what is left is settled at the next start.
            logger.error("recovery could not finish", metadata: ["error": "\(error)"])
        }
        await withDiscardingTaskGroup { group in
            group.addTask {
                try? await gracefulShutdown()
                await self.shutdown()
            }
            for await start in starts {
                group.addTask {
                    if let record = start.resume {
                        await self.resume(record, control: start.control)
                    } else {
                        await self.execute(start.id, control: start.control)?.remove()
                    }
                }
            }
        }
    }

    /// Sets the API URL runs receive as `DATAROBOT_ENDPOINT`.
    public func setAPIEndpoint(_ url: String) { apiEndpoint = url }

    /// Queues a run created in the store, started by `userId`; it starts when a worker is
    /// free and it is its user's turn.
    public func submit(_ runId: String, userId: String) {
        guard accepting, !queue.contains(runId), executing[runId] == nil else { return }
        queue.append(runId, user: userId)
        pump()
    }

    /// Cancels a run (asked by `userId`, whose role the store checks; nil: cjr itself): a
    /// queued one never starts; an executing one is stopped and ends `canceled` once its
    /// processes are gone.
    @discardableResult
    public func cancel(jobId: String, runId: String, by userId: String? = nil) async throws -> CustomJobRun {
        let run: CustomJobRun
        let wasQueued: Bool
        do {
            (run, wasQueued) = try await store.requestCancel(jobId: jobId, runId: runId, by: userId)
        } catch where StorageFailure.isTransient(error) {
            // The store cannot record it now (a full disk), but the processes stop anyway
            // (once a read confirms the run is this job's: the path's job is the one the
            // caller's role was checked on); the end is recorded once the store takes writes.
            if executing[runId] != nil, (try? await store.run(jobId: jobId, runId: runId)) != nil {
                executing[runId]?.stop(.canceled)
            }
            throw error
        }
        if wasQueued {
            queue.remove(runId)
        } else {
            executing[runId]?.stop(.canceled)
        }
        return run
    }

    /// Cancels every unfinished run of a job (used when the job is deleted).
    public func cancelAll(jobId: String) async {
        var offset = 0
        while let page = try? await store.runs(jobId: jobId, scheduledJobId: nil, page: PageRequest(offset: offset, limit: 1_000)) {
            for run in page.items where !run.status.isFinal {
                _ = try? await cancel(jobId: jobId, runId: run.id)
            }
            guard page.hasNext else { break }
            offset += page.items.count
        }
    }

    /// How many runs are executing now.
    public var executingCount: Int { executing.count }

    /// Stops accepting runs and stops the executing ones (recorded `interrupted`);
    /// ``run()`` returns once they have ended.
    private func shutdown() {
        accepting = false
        queue.removeAll()
        for control in executing.values {
            control.stop(.interrupted)
            control.abandon()
        }
        startsContinuation.finish()
    }

    // MARK: Internals

    private func recover() async throws {
        for record in try await store.activeRunRecords() {
            // Runs of a live process are its own business, this one's included: a run
            // submitted while recovery goes on is already executing here.
            if let owner = record.owner, owner == self.owner || ProcessInspector.isAlive(owner) { continue }
            // A run that outlives cjr where it executes (a Slurm job) is followed again.
            if executor.canReattach(record), try await store.adoptRun(id: record.runId, owner: owner) {
                let control = RunControl(graceSeconds: configuration.graceSeconds)
                executing[record.runId] = control
                userOfRun[record.runId] = (try? await store.run(id: record.runId))?.startedBy ?? ""
                if record.status == .canceling { control.stop(.canceled) }
                startsContinuation.yield((record.runId, control, record))
                logger.notice("run followed again after restart", metadata: ["run": "\(record.runId)"])
                continue
            }
            // Whoever ran it is gone: make sure nothing of it survives, then say so.
            await executor.reap(record)
            let canceled = record.status == .canceling
            let log = LogRecorder(store: store, runId: record.runId, maxBytes: .max)
            await log.note(canceled ? "canceled while the server was down"
                                          : "interrupted: the server stopped while this run was executing")
            try await store.finishRun(id: record.runId, outcome: canceled
                ? RunOutcome(status: .canceled, reason: .canceled)
                : RunOutcome(status: .interrupted, reason: .interrupted))
            RunWorkspace(for: record.runId, in: store.directory, under: configuration.workspaceRoot).remove()
            logger.warning("run marked after restart", metadata: ["run": "\(record.runId)", "status": "\(canceled ? "canceled" : "interrupted")"])
        }
        if !configuration.keepWorkspaces { try await removeLeftoverWorkspaces() }
        // Their tokens too, and any other a crash left valid.
        let deleted = try await store.deleteStaleRunTokens()
        if deleted > 0 { logger.notice("deleted the API tokens of runs that have ended", metadata: ["tokens": "\(deleted)"]) }
        guard configuration.adoptsQueuedRuns else { return }
        queue.seed(lastServed: try await store.lastStartPerUser())
        for run in try await store.queuedRuns() { submit(run.id, userId: run.userId) }
    }

    /// Working directories of runs that are not executing (left by a crash, or by a
    /// version that kept those of failed runs).
    private func removeLeftoverWorkspaces() async throws {
        let executing = Set(try await store.activeRunRecords().map(\.runId))
        let runs = configuration.workspaceRoot ?? store.directory.root.appendingPathComponent("runs")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? [] where !executing.contains(name) {
            RunWorkspace(for: name, in: store.directory, under: configuration.workspaceRoot).remove()
        }
    }

    private func pump() {
        let perUser = configuration.maxRunsPerUser ?? .max
        while accepting, executing.count < configuration.maxConcurrentRuns,
              let (id, user) = queue.next(now: Timestamp.now().microseconds,
                                          eligible: { [userOfRun] user in userOfRun.values.count(where: { $0 == user }) < perUser }) {
            let control = RunControl(graceSeconds: configuration.graceSeconds)
            executing[id] = control
            userOfRun[id] = user
            startsContinuation.yield((id, control, nil))
        }
    }

    /// Executes a run and records how it ended; returns its workspace, for the caller to
    /// remove off the actor once the worker is free: the next run does not wait for this
    /// one's files to go (a crash before then leaves them to recovery).
    private func execute(_ id: String, control: RunControl) async -> RunWorkspace? {
        defer { finished(id) }
        // Its token's lifetime counts again from when its entry point starts (recordLaunch).
        let tokenLifetime = configuration.runTokenLifetime
        guard let claimed = await retrying("claim the run", id, { [store, owner] in
            try await store.claimRun(id: id, owner: owner, runTokenLifetime: tokenLifetime)
        }), let (run, apiToken) = claimed else { return nil }
        logger.info("run started", metadata: ["run": "\(id)", "job": "\(run.customJobId)"])
        let ended = await lifecycle.execute(run, control: control, api: (apiEndpoint, apiToken))
        let workspace = configuration.keepWorkspaces ? nil : ended.workspace
        let outcome = ended.outcome
        guard await retrying("record how the run ended", id, { [store] in try await store.finishRun(id: id, outcome: outcome) }) != nil else {
            return workspace
        }
        logger.info("run ended", metadata: ["run": "\(id)", "status": "\(outcome.status.rawValue)",
                                             "exitCode": "\(outcome.exitCode.map(String.init) ?? "-")"])
        return workspace
    }

    /// Follows a run again after a restart (``RunLifecycle/resume(_:record:control:)``) and
    /// records how it ended.
    private func resume(_ record: ActiveRunRecord, control: RunControl) async {
        let id = record.runId
        defer { finished(id) }
        guard let run = try? await store.run(id: id) else { return }
        let outcome = await lifecycle.resume(run, record: record, control: control)
        guard await retrying("record how the run ended", id, { [store] in try await store.finishRun(id: id, outcome: outcome) }) != nil else {
            return
        }
        logger.info("run ended", metadata: ["run": "\(id)", "status": "\(outcome.status.rawValue)"])
    }

    /// Runs a store write of a run's lifecycle until it succeeds: a run never stays queued
    /// or `running` for want of one write while the disk is full. Gives up (nil) when the
    /// server stops, or at once on an error that trying again cannot mend; the next start's
    /// recovery then settles the run.
    private func retrying<Value: Sendable>(_ what: String, _ id: String, _ write: @Sendable () async throws -> Value) async -> Value? {
        var delay: Duration = .milliseconds(100)
        var reported = false
        while true {
            do {
                let value = try await write()
                if reported { logger.notice("the store took the write again", metadata: ["run": "\(id)", "operation": "\(what)"]) }
                return value
            } catch {
                guard StorageFailure.isTransient(error) else {
                    logger.error("cannot \(what)", metadata: ["run": "\(id)", "error": "\(error)"])
                    return nil
                }
                if !reported {
                    let cause = StorageFailure.isOutOfSpace(error) ? StorageFailure.situation(of: store.directory) : "\(error)"
                    logger.error("cannot \(what) yet; retrying until the store takes it", metadata: ["run": "\(id)", "cause": "\(cause)"])
                    reported = true
                }
                guard accepting, !Task.isCancelled else {
                    logger.error("stopping before the store took the write; the next start settles the run", metadata: ["run": "\(id)"])
                    return nil
                }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
        }
    }

    private func finished(_ id: String) {
        executing[id] = nil
        userOfRun[id] = nil
        pump()
    }
}
