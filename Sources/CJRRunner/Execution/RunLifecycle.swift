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

    func execute(_ run: CustomJobRun, control: RunControl, apiEndpoint: String?) async -> RunOutcome {
        let bundles = configuration.resourceBundles
        let bundle = run.resources.resourceBundleId.flatMap(bundles.bundle(id:)) ?? bundles.defaultBundle
        let log = LogRecorder(store: store, runId: run.id, maxBytes: min(configuration.maxLogBytes, bundle.maxLogBytes), logger: logger,
                              terminalEcho: configuration.terminal?.echo)
        defer { control.markEnded() }
        let prepared: RunPreparation.Prepared
        do {
            prepared = try await preparation.prepare(run, bundle: bundle, apiEndpoint: apiEndpoint, control: control, log: log)
        } catch {
            for note in error.notes { await log.note(note) }
            return RunOutcome(status: .failed, reason: .launchFailed)
        }
        defer {
            if !configuration.keepWorkspaces { prepared.workspace.remove() }
        }
        for note in prepared.notes { await log.note(note) }

        let result: ExecutionResult
        do {
            result = try await withThrowingTaskGroup(of: ExecutionResult?.self) { group in
                group.addTask {
                    try await monitor(run: run, control: control, log: log)
                    return nil
                }
                let result = try await executor.execute(prepared.spec, control: control, started: { launch in
                    // A cluster's launch has no local process to record, but its protections.
                    try? await store.recordLauncher(runId: run.id, launcher: launch.launcher, cgroup: launch.cgroup, sandbox: launch.protections)
                }, output: { bytes in
                    await log.append(bytes)
                })
                group.cancelAll()
                return result
            }
        } catch {
            await log.note((error as? LaunchFailure)?.message ?? "could not start the entry point: \(error)")
            await log.finish()
            return RunOutcome(status: .failed, reason: .launchFailed)
        }
        await log.finish()
        let decision = RunDecision.decide(
            status: result.status, stopped: control.reason,
            outOfMemoryKills: result.outOfMemoryKills, processLimitHits: result.processLimitHits,
            context: RunDecision.Context(timeoutSeconds: configuration.timeoutSeconds, graceSeconds: configuration.graceSeconds,
                                         bundle: bundle))
        for note in decision.notes { await log.note(note) }
        await waitUntilStored(log, control: control)
        return decision.outcome
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

    /// Enforces the timeout and picks up cancels recorded in the store, until cancelled.
    private func monitor(run: CustomJobRun, control: RunControl, log: LogRecorder) async throws {
        let deadline = ContinuousClock.now + .seconds(configuration.timeoutSeconds)
        while !Task.isCancelled {
            try await Task.sleep(for: Self.pollInterval)
            await log.flushIfStale()
            if ContinuousClock.now >= deadline { control.stop(.timeout) }
            if (try? await store.runStatus(id: run.id)) == .canceling { control.stop(.canceled) }
        }
    }
}
