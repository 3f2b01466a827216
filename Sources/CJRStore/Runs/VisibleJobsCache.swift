import GRDB
import Synchronization

/// The live jobs each user may see and how many runs they hold, kept in memory for pages
/// of runs across jobs (`GET /customJobRuns/`, the console's runs pages). Finding them
/// checks every job's roles (10,000 jobs: 5–7 ms), while they change far less often than
/// such pages are read.
///
/// An entry is only used for the state it was taken in, read in the page's own read
/// transaction: the same `jobListGeneration` (moved by triggers on every change to who
/// may see which live job: roles, groups, organizations, a job deleted or restored) and
/// the same `runRemovals` (moved by every run deleted). Runs created since are counted on
/// from the entry's newest `seq`, which only grows (AUTOINCREMENT, one writer).
final class VisibleJobsCache: Sendable {
    struct Visible: Sendable {
        let jobs: Set<String>
        let runCount: Int
    }

    private struct Entry {
        var generation: Int64
        var removals: Int64
        var newestSeq: Int64
        var visible: Visible
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var jobIds = 0
    }

    private let state = Mutex(State())
    /// Past this many job IDs held for all users together (about 80 bytes each: some 16 MiB),
    /// or as many users, the cache starts over.
    static let capacity = 200_000
    /// Past this many runs created since an entry was taken, the runs are counted again.
    static let catchUpLimit: Int64 = 20_000

    /// What `userId` sees in `db`'s current state: kept, caught up, or found and kept.
    func visible(_ db: Database, userId: String) throws -> Visible {
        let current = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT (SELECT value FROM jobListGeneration) AS generation, (SELECT value FROM runRemovals) AS removals,
                   (SELECT MAX(seq) FROM run) AS newest
            """))
        let generation: Int64 = current?["generation"] ?? 0
        let removals: Int64 = current?["removals"] ?? 0
        let newest: Int64 = current?["newest"] ?? 0
        if let entry = state.withLock({ $0.entries[userId] }), entry.generation == generation, entry.removals == removals,
           entry.newestSeq <= newest, newest - entry.newestSeq <= Self.catchUpLimit {
            guard newest > entry.newestSeq else { return entry.visible }
            var runCount = entry.visible.runCount
            let created = try String.fetchCursor(db, sql: "SELECT jobId FROM run WHERE seq > ? AND seq <= ?", arguments: [entry.newestSeq, newest])
            while let jobId = try created.next() {
                if entry.visible.jobs.contains(jobId) { runCount += 1 }
            }
            let visible = Visible(jobs: entry.visible.jobs, runCount: runCount)
            keep(Entry(generation: generation, removals: removals, newestSeq: newest, visible: visible), for: userId)
            return visible
        }
        var jobs = Set<String>()
        var runCount = 0
        let rows = try Row.fetchCursor(db, sql: "SELECT job.id, job.runCount FROM job WHERE job.deleted IS NULL AND \(AccessSQL.visibleJob)",
                                       arguments: AccessSQL.arguments(userId))
        while let row = try rows.next() {
            jobs.insert(row[0])
            runCount += row[1] as Int
        }
        let visible = Visible(jobs: jobs, runCount: runCount)
        keep(Entry(generation: generation, removals: removals, newestSeq: newest, visible: visible), for: userId)
        return visible
    }

    /// Keeps `entry` unless a reader of a later state kept one already.
    private func keep(_ entry: Entry, for userId: String) {
        state.withLock { state in
            let previous = state.entries[userId]
            if let previous, previous.generation == entry.generation, previous.removals == entry.removals,
               previous.newestSeq > entry.newestSeq { return }
            if let previous { state.jobIds -= previous.visible.jobs.count }
            // Past capacity (job IDs, or users who see none), start over.
            if state.jobIds + entry.visible.jobs.count > Self.capacity || state.entries.count >= Self.capacity {
                state.entries.removeAll(keepingCapacity: true)
                state.jobIds = 0
            }
            state.jobIds += entry.visible.jobs.count
            state.entries[userId] = entry
        }
    }
}
