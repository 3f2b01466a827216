import Foundation
import Logging
import CJRModel
import CJRStore

/// One run from start to end, whatever executes it: prepare it (``RunPreparation``),
/// launch it (an ``Executor``) while its output goes into the store and its timeout and
/// cancels are watched, decide how it ended (``RunDecision``) and say so in its log. The
/// scheduler records the outcome.
struct RunLifecycle: Sendable {
    let store: RunStore
    let configuration: RunnerConfiguration
    let preparation: RunPreparation
    let executor: any Executor
    let logger: Logger

    /// How often a running run checks for a cancel requested through the store (from
    /// another process, e.g. a server beside `cjr run`) and flushes quiet output.
    static let pollInterval: Duration = .milliseconds(200)

    /// How a run ended, and its workspace, which the caller removes once the end is
    /// recorded and the worker is free (nil: there is none left to remove).
    struct Ended: Sendable {
        let outcome: RunOutcome
        let workspace: RunWorkspace?
    }

    /// `api`: the API's URL and the run's token (`DATAROBOT_ENDPOINT`, `DATAROBOT_API_TOKEN`).
    func execute(_ run: CustomJobRun, control: RunControl, api: (endpoint: String?, token: String?)) async -> Ended {
        let (bundle, log) = bundleAndLog(of: run)
        defer { control.markEnded() }
        let prepared: RunPreparation.Prepared
        do {
            prepared = try await preparation.prepare(run, bundle: bundle, api: api, control: control, log: log)
        } catch {
            for note in error.notes { await log.note(note) }
            return Ended(outcome: RunOutcome(status: .failed, reason: .launchFailed), workspace: nil)
        }
        return Ended(outcome: await execute(run, prepared: prepared, control: control, bundle: bundle, log: log), workspace: prepared.workspace)
    }

    private func execute(_ run: CustomJobRun, prepared: RunPreparation.Prepared, control: RunControl, bundle: ResourceBundle,
                         log: LogRecorder) async -> RunOutcome {
        for note in prepared.notes { await log.note(note) }
        // Where the output begins in the log, for following it again after a restart.
        if executor.outlivesServer { await Self.recordLogBase(of: run, in: prepared.workspace, store: store, outputSoFar: 0) }

        let result: ExecutionResult
        do {
            result = try await monitored(run, control: control, log: log) {
                try await executor.execute(prepared.spec, control: control,
                                           reports: reports(of: run, control: control, log: log, workspace: prepared.workspace))
            }
        } catch {
            await log.note((error as? LaunchFailure)?.message ?? "could not start the entry point: \(error)")
            await log.finish()
            return RunOutcome(status: .failed, reason: .launchFailed)
        }
        await log.finish()
        return await conclude(result, control: control, bundle: bundle, log: log)
    }

    /// The run's resource bundle, and the recorder of its log (capped by both).
    private func bundleAndLog(of run: CustomJobRun) -> (ResourceBundle, LogRecorder) {
        let bundles = configuration.resourceBundles
        let bundle = run.resources.resourceBundleId.flatMap(bundles.bundle(id:)) ?? bundles.defaultBundle
        let log = LogRecorder(store: store, runId: run.id, maxBytes: min(configuration.maxLogBytes, bundle.maxLogBytes), logger: logger,
                              terminalEcho: configuration.terminal?.echo)
        return (bundle, log)
    }

    /// Decides how a launch ended, says so in its log, and waits for the log to be stored.
    private func conclude(_ result: ExecutionResult, control: RunControl, bundle: ResourceBundle, log: LogRecorder) async -> RunOutcome {
        let decision = RunDecision.decide(
            status: result.status, stopped: control.reason,
            outOfMemoryKills: result.outOfMemoryKills, processLimitHits: result.processLimitHits,
            context: RunDecision.Context(timeoutSeconds: configuration.timeoutSeconds, graceSeconds: configuration.graceSeconds,
                                         bundle: bundle))
        for note in decision.notes { await log.note(note) }
        await waitUntilStored(log, control: control)
        return decision.outcome
    }

    /// A run a gone cjr was executing where it outlives cjr (a Slurm job), followed again
    /// after a restart: its output from where the stored log ends, its deadline counted
    /// from when it started, its end decided as if nothing had happened. One that cannot be
    /// found any more is interrupted.
    func resume(_ run: CustomJobRun, record: ActiveRunRecord, control: RunControl) async -> RunOutcome {
        let (bundle, log) = bundleAndLog(of: run)
        defer { control.markEnded() }
        let workspace = RunWorkspace(for: run.id, in: store.directory, under: configuration.workspaceRoot)
        defer { if !configuration.keepWorkspaces { workspace.remove() } }
        let committed = (try? await store.logState(jobId: run.customJobId, runId: run.id).committedBytes) ?? 0
        let base = (try? String(contentsOf: workspace.root.appendingPathComponent(Self.logBaseFile), encoding: .utf8)).flatMap { Int64($0) } ?? 0
        let offset = max(0, committed - base)
        await log.note("cjr restarted while this run executed; following it again")
        await Self.recordLogBase(of: run, in: workspace, store: store, outputSoFar: offset)
        // The deadline counts from when it started; one still in its cluster's queue has none yet.
        if let startedAt = run.startedAt {
            control.markRunning(since: ContinuousClock.now - .microseconds(max(0, Timestamp.now().microseconds - startedAt.microseconds)))
        }
        let result: ExecutionResult?
        do {
            result = try await monitored(run, control: control, log: log) {
                try await executor.reattach(record, workspace: workspace, offset: UInt64(offset), control: control,
                                            reports: reports(of: run, control: control, log: log, workspace: workspace, outputBefore: offset))
            }
        } catch {
            result = nil
        }
        await log.finish()
        guard let result else {
            await log.note("interrupted: cjr restarted while this run executed, and its executor no longer knows it")
            return RunOutcome(status: .interrupted, reason: .interrupted)
        }
        return await conclude(result, control: control, bundle: bundle, log: log)
    }

    static let logBaseFile = "log-base"

    /// Writes where the run's output begins in its log (its committed length, less the
    /// output already in it) beside its workspace.
    private static func recordLogBase(of run: CustomJobRun, in workspace: RunWorkspace, store: RunStore, outputSoFar: Int64) async {
        guard let committed = try? await store.logState(jobId: run.customJobId, runId: run.id).committedBytes else { return }
        try? Data(String(committed - outputSoFar).utf8).write(to: workspace.root.appendingPathComponent(logBaseFile))
    }

    /// A full disk may have kept output from the store: wait for room, so that the log
    /// says how much was lost, unless the server stops (or the task is cancelled) first.
    private func waitUntilStored(_ log: LogRecorder, control: RunControl) async {
        var delay: Duration = .milliseconds(200)
        while await log.awaitsRoom, !control.isAbandoned, !Task.isCancelled {
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(2))
            await log.flushIfStale()
        }
    }

    /// What becomes of an executor's reports: a launch is recorded (a cluster's has no
    /// local process, but its protections and its job) and its timeout starts once it runs;
    /// output goes into the log; a note too, and where an executor's runs outlive cjr, the
    /// log base moves past it (`outputBefore`: output already in the log before a restart).
    private func reports(of run: CustomJobRun, control: RunControl, log: LogRecorder, workspace: RunWorkspace,
                         outputBefore: Int64 = 0) -> LaunchReports {
        LaunchReports(started: { [store] launch in
            if launch.running { control.markRunning() }
            try? await store.recordLaunch(runId: run.id, launcher: launch.launcher, cgroup: launch.cgroup, sandbox: launch.protections,
                                          running: launch.running, runTokenLifetime: configuration.runTokenLifetime)
        }, output: { bytes in
            await log.append(bytes)
        }, note: { [store, executor] text in
            await log.note(text)
            if executor.outlivesServer {
                await Self.recordLogBase(of: run, in: workspace, store: store, outputSoFar: outputBefore + log.outputBytes)
            }
        })
    }

    /// `body` (the executor's part) while ``monitor(run:control:log:)`` watches the run; the
    /// monitor ends with it.
    private func monitored<Value: Sendable>(_ run: CustomJobRun, control: RunControl, log: LogRecorder,
                                            _ body: () async throws -> Value) async throws -> Value {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await monitor(run: run, control: control, log: log) }
            let value = try await body()
            group.cancelAll()
            return value
        }
    }

    /// Enforces the timeout (counted from when the entry point runs) and picks up cancels
    /// recorded in the store, until cancelled.
    private func monitor(run: CustomJobRun, control: RunControl, log: LogRecorder) async throws {
        let timeout = Duration.seconds(configuration.timeoutSeconds)
        while !Task.isCancelled {
            try await Task.sleep(for: Self.pollInterval)
            await log.flushIfStale()
            if let since = control.runningSince, ContinuousClock.now >= since + timeout { control.stop(.timeout) }
            if (try? await store.runStatus(id: run.id)) == .canceling { control.stop(.canceled) }
        }
    }
}
