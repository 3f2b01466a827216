import GRDB
import Synchronization

/// The `totalCount`s of jobs lists, each kept with the `jobListGeneration` it was counted
/// at: counting the jobs a user may see means checking each one's roles (10,000 jobs:
/// 3 ms), while what a list counts changes far less often than runs come and go. The
/// generation is read in the same read transaction as the page, so a count is only ever
/// reused for the very state it was counted in, whichever process changed the database.
final class JobCountCache: Sendable {
    private struct Entry { var generation: Int64; var count: Int }
    private let entries = Mutex<[String: Entry]>([:])
    /// Past this many lists (users × filters), the cache starts over.
    static let capacity = 4_096

    /// The count for `key` in `db`'s current state: kept, or `count()`ed and kept.
    func count(_ db: Database, key: String, _ count: () throws -> Int) throws -> Int {
        let generation = try Int64.fetchOne(db, sql: "SELECT value FROM jobListGeneration") ?? 0
        if let entry = entries.withLock({ $0[key] }), entry.generation == generation { return entry.count }
        let counted = try count()
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(generation: generation, count: counted)
        }
        return counted
    }
}
