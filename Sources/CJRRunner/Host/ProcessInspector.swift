import Foundation
import CJRStore

/// Reads `/proc` to identify processes by pid *and* start time, so recovery after a crash
/// never signals an unrelated process that happens to reuse a recorded pid.
enum ProcessInspector {
    /// The kernel start time (clock ticks since boot) of `pid`, or nil if it does not exist.
    static func startTime(of pid: Int32) -> Int64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name start with field 3 (state); starttime is field 22.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? Int64(fields[19]) : nil
    }

    static func identity(of pid: Int32) -> ProcessIdentity? {
        startTime(of: pid).map { ProcessIdentity(pid: pid, startTime: $0) }
    }

    static var current: ProcessIdentity {
        identity(of: getpid()) ?? ProcessIdentity(pid: getpid(), startTime: 0)
    }

    /// Whether the very process `identity` names is still running.
    static func isAlive(_ identity: ProcessIdentity) -> Bool {
        startTime(of: identity.pid) == identity.startTime
    }
}
