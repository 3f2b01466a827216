import Foundation
import Logging
import ServiceLifecycle
import CJRModel
import CJRStore

/// Fires schedules as they come due: each firing starts an ordinary queued run through
/// the ``RunScheduler``, or is skipped (its previous run has not ended) or refused, and
/// says so in the server log; the store keeps the count and the reason on the schedule.
///
/// It sleeps until the next schedule is due or a schedule changes, at most a second, so
/// a change made by another process on the data directory is seen within a second too.
/// Firings missed while the server was down: with `catchUp` `.one`, each such schedule
/// fires once when the server starts (the store never fires a schedule more than once
/// per look); with `.none` they are passed over and it waits for its next time.
public struct ScheduleTicker: Service {
    private let store: RunStore
    private let scheduler: RunScheduler
    private let catchUp: ScheduleCatchUp
    private let clock: @Sendable () -> Timestamp
    private let logger: Logger

    /// `clock` tells the time schedules go by (a test's may run ahead of the wall clock).
    public init(store: RunStore, scheduler: RunScheduler, catchUp: ScheduleCatchUp,
                clock: @escaping @Sendable () -> Timestamp = { .now() }, logger: Logger = Logger(label: "cjr.schedules")) {
        self.store = store
        self.scheduler = scheduler
        self.catchUp = catchUp
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        if catchUp == .none {
            do {
                let passed = try await store.skipMissedFirings(now: clock())
                if passed > 0 { logger.notice("schedules due while the server was down wait for their next time (--catch-up none)", metadata: ["schedules": "\(passed)"]) }
            } catch is CancellationError {
                return // stopped while starting
            } catch {
                logger.error("could not pass over missed firings", metadata: ["error": "\(error)"])
            }
        }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let seen = store.signals.generation(of: RunStore.schedulesSignal)
                await fireDue()
                var wait = Duration.seconds(1)
                if let next = try? await store.nextScheduleDue() {
                    let micros = max(0, min(next.microseconds - clock().microseconds, 1_000_000))
                    wait = .microseconds(micros)
                }
                if wait > .zero { await store.signals.wait(for: RunStore.schedulesSignal, after: seen, upTo: wait) }
            }
        }
    }

    private func fireDue() async {
        let firings: [(JobSchedule, ScheduleFiring)]
        do {
            firings = try await store.fireDueSchedules(now: clock())
        } catch is CancellationError {
            return // shutting down before any firing was made (those made are returned)
        } catch {
            logger.error("could not fire due schedules; trying again shortly", metadata: ["error": "\(error)"])
            try? await Task.sleep(for: .seconds(1))
            return
        }
        for (schedule, firing) in firings {
            var metadata: Logger.Metadata = ["schedule": "\(schedule.id)", "job": "\(schedule.customJobId)"]
            switch firing {
            case .started(let run, let due):
                await scheduler.submit(run.id, userId: run.startedBy ?? schedule.updatedBy.id)
                metadata["run"] = "\(run.id)"
                metadata["due"] = "\(due.iso8601)"
                logger.info("schedule fired: run queued", metadata: metadata)
            case .skipped(let running, let due):
                metadata["running"] = "\(running)"
                metadata["due"] = "\(due.iso8601)"
                metadata["skipped"] = "\(schedule.skippedFirings)"
                logger.warning("schedule firing skipped: the run of its previous firing has not ended", metadata: metadata)
            case .refused(let reason, let due):
                metadata["due"] = "\(due.iso8601)"
                metadata["reason"] = "\(reason)"
                logger.warning("schedule firing started no run", metadata: metadata)
            }
        }
    }
}
