import Foundation
import Synchronization
import CJRModel

/// How a page of runs across jobs is read when only visibility filters it: from a window
/// of the newest runs overall (scanning it costs the same at 1,000 or 1,000,000 runs),
/// or, for users few of those are for, job by job through `run_by_job` (which grows with
/// the number of their runs). The sparse hints decide how a page is read, never what it
/// holds, and lapse after a few minutes as history moves on.
final class RunListWindow: Sendable {
    /// A window holds at least `minimum` runs and `spread` times the rows a page needs: a
    /// user who sees one run in `spread` of the newest finds their page in one pass.
    let minimum: Int
    let spread: Int
    private let sparseUntil = Mutex<[String: ContinuousClock.Instant]>([:])
    static let hintLifetime: Duration = .seconds(300)
    static let capacity = 4_096

    init(minimum: Int = 4_096, spread: Int = 16) {
        self.minimum = minimum
        self.spread = spread
    }

    /// The window's width for `page`, which needs its offset and limit in visible runs.
    func width(for page: PageRequest) -> Int64 {
        let rows = page.offset.addingReportingOverflow(page.limit)
        let spreadRows = rows.partialValue.multipliedReportingOverflow(by: spread)
        return Int64(clamping: rows.overflow || spreadRows.overflow ? Int.max : max(minimum, spreadRows.partialValue))
    }

    func isSparse(_ userId: String) -> Bool {
        sparseUntil.withLock { $0[userId].map { ContinuousClock.now < $0 } ?? false }
    }

    func markSparse(_ userId: String) {
        sparseUntil.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[userId] = .now + Self.hintLifetime
        }
    }
}
