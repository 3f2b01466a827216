import GRDB
import CJRModel

extension QueryInterfaceRequest where RowDecoder: FetchableRecord {
    /// `page` of this request's rows, newest (highest `seq`) first, given `total`: how many
    /// rows the request matches in this same transaction. SQLite reaches an `OFFSET` by
    /// walking the index, so a page past the middle is read from the oldest end and turned
    /// around: no page walks more than half the rows, and the last pages cost what the
    /// first do (90,000 runs of one job: offset 89,999 walked them all).
    func newestFirst(_ db: Database, page: PageRequest, total: Int) throws -> [RowDecoder] {
        guard page.offset < total else { return [] } // any offset, up to Int.max, past the end
        let end = page.offset + min(page.limit, total - page.offset) // one past the page's last row
        let fromOldest = total - end // rows older than the page
        guard fromOldest < page.offset else {
            return try order(Column("seq").desc).limit(page.limit, offset: page.offset).fetchAll(db)
        }
        return try order(Column("seq").asc).limit(end - page.offset, offset: fromOldest).fetchAll(db).reversed()
    }
}
