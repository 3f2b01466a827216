import Foundation
import Synchronization
import CJRModel

/// The handle through which a running run is stopped: by cancel, by its timeout, or by the
/// server shutting down. The first reason wins. Stopping sends SIGTERM to the launcher,
/// which takes the whole tree down (SIGTERM, grace, SIGKILL); if the launcher itself does
/// not exit in time it is killed, and the run's cgroup with it.
final class RunControl: Sendable {
    enum Reason: Sendable, Equatable { case canceled, timeout, interrupted }

    private struct State {
        var launcher: pid_t?
        var reason: Reason?
        var cgroup: String?
        var ended = false
        var abandoned = false
        var runningSince: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    let graceSeconds: Double

    init(graceSeconds: Double) { self.graceSeconds = graceSeconds }

    var reason: Reason? { state.withLock { $0.reason } }

    /// Called once the launcher runs; a stop requested before that is carried out now.
    func attach(launcher: pid_t, cgroup: String?) {
        let pending = state.withLock { state -> Bool in
            state.launcher = launcher
            state.cgroup = cgroup
            return state.reason != nil
        }
        if pending { signalLauncher() }
    }

    func stop(_ reason: Reason) {
        let first = state.withLock { state -> Bool in
            guard state.reason == nil, !state.ended else { return false }
            state.reason = reason
            return true
        }
        if first { signalLauncher() }
    }

    func markEnded() { state.withLock { $0.ended = true } }

    /// The entry point runs (since `instant`): its timeout counts from then, not while a
    /// cluster holds it in its own queue. The first call counts.
    func markRunning(since instant: ContinuousClock.Instant = .now) {
        state.withLock { state in if state.runningSince == nil { state.runningSince = instant } }
    }

    var runningSince: ContinuousClock.Instant? { state.withLock { $0.runningSince } }

    /// The launcher has exited and was reaped: its pid may be reused, so it is never
    /// signalled again.
    func detach() { state.withLock { $0.launcher = nil } }

    /// The server is stopping: whatever the run still waits for (room on a full disk) is
    /// given up; the next start settles the run.
    func abandon() { state.withLock { $0.abandoned = true } }

    var isAbandoned: Bool { state.withLock { $0.abandoned } }

    private func signalLauncher() {
        guard let target = state.withLock({ state in state.launcher.map { ($0, state.cgroup) } }) else { return }
        let (pid, cgroup) = target
        ProcessTree.stop(launcher: pid)
        // Backstop: the launcher owns the grace period; if it is stuck, end it and the tree.
        let deadline = graceSeconds + 5
        Task { [weak self] in
            try? await Task.sleep(for: .seconds(deadline))
            guard let self, !self.state.withLock({ $0.ended }) else { return }
            ProcessTree.kill(launcher: pid, cgroup: cgroup)
        }
    }
}
