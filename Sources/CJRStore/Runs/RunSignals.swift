import Synchronization

/// Wakes readers waiting on a run (a followed log, `cjr run` waiting for the end) as soon as
/// this process changes it: new output, an end, a cancel, a deleted log. A change made by
/// another process on the same data directory is not signalled; waiters also wake at
/// their timeout and look again.
///
/// Each run has a generation, bumped by every change: a reader notes it before reading the
/// run's state and waits for a later one, so a change between the read and the wait is
/// never missed.
public final class RunSignals: Sendable {
    private struct Waiter {
        var continuation: CheckedContinuation<Void, Never>
        /// Wakes it at its timeout; canceled when a change wakes it first.
        var timer: Task<Void, Never>?
    }

    private struct State {
        var generations: [String: UInt64] = [:]
        var waiters: [String: [Int: Waiter]] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// The run's generation now.
    public func generation(of runId: String) -> UInt64 {
        state.withLock { $0.generations[runId, default: 0] }
    }

    /// Records a change of the run and wakes its waiters.
    public func signal(_ runId: String) {
        let woken = state.withLock { state -> [Waiter] in
            state.generations[runId, default: 0] += 1
            return state.waiters.removeValue(forKey: runId).map { Array($0.values) } ?? []
        }
        for waiter in woken {
            waiter.timer?.cancel()
            waiter.continuation.resume()
        }
    }

    /// Forgets a run that has ended (its generation is no longer needed once no one waits).
    public func forget(_ runId: String) {
        state.withLock { state in
            if state.waiters[runId] == nil { state.generations[runId] = nil }
        }
    }

    /// Returns once the run's generation passes `seen`, or after `timeout`.
    public func wait(for runId: String, after seen: UInt64, upTo timeout: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let id: Int? = state.withLock { state in
                guard state.generations[runId, default: 0] == seen else { return nil }
                state.nextWaiter += 1
                state.waiters[runId, default: [:]][state.nextWaiter] = Waiter(continuation: continuation)
                return state.nextWaiter
            }
            guard let id else { return continuation.resume() }
            let timer = Task {
                try? await Task.sleep(for: timeout)
                let expired = self.state.withLock { state -> Waiter? in
                    let waiter = state.waiters[runId]?.removeValue(forKey: id)
                    if state.waiters[runId]?.isEmpty == true { state.waiters[runId] = nil }
                    return waiter
                }
                expired?.continuation.resume()
            }
            // Kept with the waiter so a change can cancel it; if the change came first, the
            // waiter is gone and the timer ends at its sleep's cancel.
            let stillWaiting = state.withLock { state -> Bool in
                guard state.waiters[runId]?[id] != nil else { return false }
                state.waiters[runId]?[id]?.timer = timer
                return true
            }
            if !stillWaiting { timer.cancel() }
        }
    }
}
