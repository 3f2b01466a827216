import Foundation
import CJRStore

/// The one way cjr ends a run's processes from outside: its launcher (which takes the
/// whole tree, or the run's PID namespace, with it) and its cgroup. Cancel, timeout and
/// shutdown go through ``RunControl`` (SIGTERM first); the backstop and recovery after a
/// restart kill outright.
enum ProcessTree {
    /// Asks the launcher to stop the run: SIGTERM to every process, SIGKILL after the grace.
    static func stop(launcher: pid_t) {
        Foundation.kill(launcher, SIGTERM)
    }

    /// Kills the launcher, its process group and everything in the run's cgroup now.
    static func kill(launcher: pid_t?, cgroup: String?) {
        if let launcher {
            Foundation.kill(-launcher, SIGKILL)
            Foundation.kill(launcher, SIGKILL)
        }
        if let cgroup { RunCgroups.kill(cgroup) }
    }

    /// The same for a launcher recorded by a process that is gone: only if it is still that
    /// process (its start time matches), never a reused pid.
    static func kill(recorded launcher: ProcessIdentity?, cgroup: String?) {
        let alive = launcher.flatMap { ProcessInspector.isAlive($0) ? $0.pid : nil }
        kill(launcher: alive.map { pid_t($0) }, cgroup: cgroup)
    }
}
