import GRDB
import CJRModel

/// How `page` of a list of `total` rows, newest (highest `seq`) first, is read. SQLite
/// reaches an `OFFSET` by walking the index, so a page past the middle is read from the
/// oldest end and turned around: no page walks more than half the rows, and the last
/// pages cost what the first do (90,000 runs of one job: offset 89,999 walked them all).
/// A page deeper than that starts at an anchor (``PageAnchors``). Nil for a page past the
/// end (any offset, up to Int.max).
struct NewestFirstRead {
    private(set) var ascending: Bool
    /// The page's rows (the list may hold fewer than the page asks for).
    let limit: Int
    /// Rows stepped over before the page, in the direction read.
    private(set) var offset: Int
    /// When set, the read is ascending from the row with this `seq` on.
    private(set) var fromSeq: Int64?
    /// How many of the list's rows are older than the page.
    let olderRows: Int

    init?(page: PageRequest, total: Int) {
        guard page.offset < total else { return nil }
        let end = page.offset + min(page.limit, total - page.offset) // one past the page's last row
        (limit, olderRows) = (end - page.offset, total - end)
        if olderRows < page.offset {
            (ascending, offset) = (true, olderRows)
        } else {
            (ascending, offset) = (false, page.offset)
        }
    }

    /// Whether stepping to the page takes longer than finding `anchors` once.
    func isDeep(for anchors: PageAnchors) -> Bool { anchors.worthSeeking(offset) }

    /// Starts the read at the anchor below the page (see ``PageAnchors/seek(_:key:dependencies:rank:seqs:)``).
    mutating func seek(_ list: AnchoredList, _ db: Database, seqs: (_ stride: Int) throws -> [Int64]) throws {
        guard let seek = try list.anchors.seek(db, key: list.key, dependencies: list.dependencies, rank: olderRows, seqs: seqs) else { return }
        (ascending, offset, fromSeq) = (true, seek.skip, seek.fromSeq)
    }
}

/// The anchors a list may seek through, its key among them, and what changes it other than
/// rows added at its top.
struct AnchoredList {
    let anchors: PageAnchors
    let key: String
    let dependencies: PageAnchors.Dependencies
}

extension QueryInterfaceRequest where RowDecoder: FetchableRecord {
    /// `page` of this request's rows, newest first, given `total`: how many rows the
    /// request matches in this same transaction (see ``NewestFirstRead``). `list`: where
    /// deep pages may seek; its key names this request's rows.
    func newestFirst(_ db: Database, page: PageRequest, total: Int, list: AnchoredList? = nil) throws -> [RowDecoder] {
        guard var read = NewestFirstRead(page: page, total: total) else { return [] }
        if let list, read.isDeep(for: list.anchors) {
            let seqs = select(Column("seq"), as: Int64.self).order(Column("seq").asc)
            try read.seek(list, db) { stride in
                try PageAnchors.every(stride, of: try seqs.fetchCursor(db)) { $0 }
            }
        }
        var request = self
        if let fromSeq = read.fromSeq { request = request.filter(Column("seq") >= fromSeq) }
        let rows = try request.order(read.ascending ? Column("seq").asc : Column("seq").desc).limit(read.limit, offset: read.offset).fetchAll(db)
        return read.ascending ? rows.reversed() : rows
    }
}

extension FetchableRecord {
    /// `page` of the rows `from` (a `FROM … WHERE …` of rows with a `seq`, no order or
    /// limit) finds, newest first, given `total` (see ``NewestFirstRead``), through
    /// statements compiled once per connection: a hot list's query is not compiled anew
    /// for every page (GRDB's authorizer looks at every column it reads). `list`: where
    /// deep pages may seek; its key names `from` with `arguments`.
    static func newestFirst(_ db: Database, from: String, arguments: StatementArguments, page: PageRequest, total: Int,
                            list: AnchoredList? = nil) throws -> [Self] {
        guard var read = NewestFirstRead(page: page, total: total) else { return [] }
        if let list, read.isDeep(for: list.anchors) {
            try read.seek(list, db) { stride in
                try PageAnchors.every(stride, of: try Int64.fetchCursor(db.cachedStatement(sql: "SELECT seq \(from) ORDER BY seq"),
                                                                        arguments: arguments)) { $0 }
            }
        }
        let rows: [Self]
        if let fromSeq = read.fromSeq {
            rows = try fetchAll(db.cachedStatement(sql: "SELECT * \(from) AND seq >= ? ORDER BY seq ASC LIMIT ? OFFSET ?"),
                                arguments: arguments + [fromSeq, read.limit, read.offset])
        } else {
            rows = try fetchAll(db.cachedStatement(sql: "SELECT * \(from) ORDER BY seq \(read.ascending ? "ASC" : "DESC") LIMIT ? OFFSET ?"),
                                arguments: arguments + [read.limit, read.offset])
        }
        return read.ascending ? rows.reversed() : rows
    }
}
