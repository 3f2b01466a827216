import GRDB
import CJRModel

/// How `page` of a list of `total` rows, newest (highest `seq`) first, is read. SQLite
/// reaches an `OFFSET` by walking the index, so a page past the middle is read from the
/// oldest end and turned around: no page walks more than half the rows, and the last
/// pages cost what the first do (90,000 runs of one job: offset 89,999 walked them all).
/// Nil for a page past the end (any offset, up to Int.max).
struct NewestFirstRead {
    let ascending: Bool
    let limit: Int
    let offset: Int

    init?(page: PageRequest, total: Int) {
        guard page.offset < total else { return nil }
        let end = page.offset + min(page.limit, total - page.offset) // one past the page's last row
        let fromOldest = total - end // rows older than the page
        if fromOldest < page.offset {
            (ascending, limit, offset) = (true, end - page.offset, fromOldest)
        } else {
            (ascending, limit, offset) = (false, page.limit, page.offset)
        }
    }
}

extension QueryInterfaceRequest where RowDecoder: FetchableRecord {
    /// `page` of this request's rows, newest first, given `total`: how many rows the
    /// request matches in this same transaction (see ``NewestFirstRead``).
    func newestFirst(_ db: Database, page: PageRequest, total: Int) throws -> [RowDecoder] {
        guard let read = NewestFirstRead(page: page, total: total) else { return [] }
        let rows = try order(read.ascending ? Column("seq").asc : Column("seq").desc).limit(read.limit, offset: read.offset).fetchAll(db)
        return read.ascending ? rows.reversed() : rows
    }
}

extension FetchableRecord {
    /// `page` of the rows `select` (a `SELECT … WHERE …` of rows with a `seq`, no order or
    /// limit) finds, newest first, given `total` (see ``NewestFirstRead``), through
    /// statements compiled once per connection: a hot list's query is not compiled anew
    /// for every page (GRDB's authorizer looks at every column it reads).
    static func newestFirst(_ db: Database, select: String, arguments: StatementArguments, page: PageRequest, total: Int) throws -> [Self] {
        guard let read = NewestFirstRead(page: page, total: total) else { return [] }
        let statement = try db.cachedStatement(sql: "\(select) ORDER BY seq \(read.ascending ? "ASC" : "DESC") LIMIT ? OFFSET ?")
        let rows = try fetchAll(statement, arguments: arguments + [read.limit, read.offset])
        return read.ascending ? rows.reversed() : rows
    }
}
