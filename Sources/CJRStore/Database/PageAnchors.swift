import GRDB
import Synchronization

/// Seek points into newest-first lists, for pages deep inside them. SQLite reaches an
/// `OFFSET` by stepping through the index one row at a time (a job's runs at offset 45,000:
/// 45,000 steps), and ``NewestFirstRead`` only halves that. A list's anchors are the `seq`s
/// of its rows 0, `stride`, 2·`stride`, … counted from the oldest, found in one pass; a page
/// then starts at the anchor below it and steps over fewer than `stride` rows.
///
/// Counted from the oldest, anchors stay right while rows are only added: `seq` only grows
/// (AUTOINCREMENT, one writer), so a new row never comes before an old one. Anything else
/// that could change a list (a job created, deleted or renamed, a role given or taken, a
/// run deleted) moves `jobListGeneration` or `runRemovals`, and a list's anchors are only
/// used in the state of the counters it depends on that they were found in, read in the
/// page's own transaction.
final class PageAnchors: Sendable {
    /// The counters whose moves may change a list other than by adding rows at its top.
    struct Dependencies: OptionSet, Sendable {
        let rawValue: Int
        /// Jobs created, deleted, renamed or retyped, and who sees which (`jobListGeneration`).
        static let jobList = Dependencies(rawValue: 1)
        /// Runs deleted, one by one or by prune and purge (`runRemovals`).
        static let runRemovals = Dependencies(rawValue: 2)
    }

    /// Read from the row whose `seq` is `fromSeq` on, stepping over `skip` of the list's rows.
    struct Seek: Equatable, Sendable {
        let fromSeq: Int64
        let skip: Int
    }

    private struct Stamp: Equatable {
        let jobList: Int64
        let runRemovals: Int64

        init(_ db: Database, _ dependencies: Dependencies) throws {
            let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT (SELECT value FROM jobListGeneration) AS jobList, (SELECT value FROM runRemovals) AS runRemovals
                """))
            jobList = dependencies.contains(.jobList) ? row?["jobList"] ?? 0 : 0
            runRemovals = dependencies.contains(.runRemovals) ? row?["runRemovals"] ?? 0 : 0
        }
    }

    private struct Entry {
        let stamp: Stamp
        let seqs: [Int64]
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var seqs = 0
    }

    let stride: Int
    private let state = Mutex(State())
    /// Past this many anchors held for all lists together (8 bytes each), or this many
    /// lists (their keys hold a user's search text), the cache starts over.
    let capacity: (anchors: Int, lists: Int)

    init(stride: Int = 256, capacity: (anchors: Int, lists: Int) = (1_000_000, 16_384)) {
        precondition(stride > 0)
        self.stride = stride
        self.capacity = capacity
    }

    /// Whether stepping over `rows` rows costs more than finding the anchors once.
    func worthSeeking(_ rows: Int) -> Bool { rows > 2 * stride }

    /// Where the list under `key`, which changes otherwise than by rows added at its top
    /// only with `dependencies`, reaches its row `rank` (0 is the oldest) in `db`'s current
    /// state. `seqs(stride)` lists, in this state, the `seq` of every `stride`-th row from
    /// the oldest: rows 0, `stride`, 2·`stride`, … Nil for an empty list.
    func seek(_ db: Database, key: String, dependencies: Dependencies, rank: Int,
              seqs find: (_ stride: Int) throws -> [Int64]) throws -> Seek? {
        let stamp = try Stamp(db, dependencies)
        if let entry = state.withLock({ $0.entries[key] }), entry.stamp == stamp,
           let seek = seek(rank, in: entry.seqs), seek.skip < 2 * stride {
            return seek
        }
        // None kept, or rows added since put `rank` far past the last anchor: found anew.
        let seqs = try find(stride)
        keep(Entry(stamp: stamp, seqs: seqs), for: key)
        return seek(rank, in: seqs)
    }

    private func seek(_ rank: Int, in seqs: [Int64]) -> Seek? {
        guard !seqs.isEmpty else { return nil }
        let index = min(max(rank, 0) / stride, seqs.count - 1)
        return Seek(fromSeq: seqs[index], skip: max(rank, 0) - index * stride)
    }

    private func keep(_ entry: Entry, for key: String) {
        state.withLock { state in
            let previous = state.entries[key]
            if let previous { state.seqs -= previous.seqs.count }
            if state.seqs + entry.seqs.count > capacity.anchors || (previous == nil && state.entries.count >= capacity.lists) {
                state.entries.removeAll(keepingCapacity: true)
                state.seqs = 0
            }
            state.seqs += entry.seqs.count
            state.entries[key] = entry
        }
    }

    /// Every `stride`-th `seq` that `cursor` gives, from its first.
    static func every<C: Cursor>(_ stride: Int, of cursor: C, seq: (C.Element) throws -> Int64?) throws -> [Int64] {
        var seqs: [Int64] = []
        var index = 0
        while let element = try cursor.next() {
            guard let value = try seq(element) else { continue }
            if index % stride == 0 { seqs.append(value) }
            index += 1
        }
        return seqs
    }
}
