import Foundation
import GRDB
import CJRModel

extension RunStore {
    /// Runs of every live job `userId` has a role on, newest first, with their jobs' names.
    public func runs(matching filter: RunListFilter, visibleTo userId: String, page: PageRequest) async throws -> Page<(run: CustomJobRun, jobName: String)> {
        try await database.read { db in
            let onlyVisibility = filter.states.isEmpty && filter.scheduledJobId == nil && filter.idPrefix == nil && filter.triggers.isEmpty
                && filter.parameter == nil
            // With nothing but visibility to filter on, from the newest runs overall.
            if onlyVisibility, filter.jobId == nil, let page = try pageFromRecentRuns(db, cursor: filter.cursor, userId: userId, page: page) {
                return page
            }
            // Otherwise the visible live jobs (with their kept run counts), found once per
            // request as a materialized set: the page's rows are looked up in it, and the
            // total summed or counted from it, in the same statement. One role check per job,
            // not one per run, and not one pass for the rows and another for the total.
            var visible = "SELECT job.id, job.runCount FROM job WHERE job.deleted IS NULL AND \(AccessSQL.visibleJob)"
            var visibleArguments = AccessSQL.arguments(userId)
            if let jobId = filter.jobId {
                visible += " AND job.id = ?"
                visibleArguments += [jobId]
            }
            var conditions = ["run.jobId IN (SELECT id FROM visible)"]
            var arguments = StatementArguments()
            if !filter.states.isEmpty {
                conditions.append("(" + filter.states.map { "(\(Self.condition(for: $0)))" }.joined(separator: " OR ") + ")")
            }
            if let scheduledJobId = filter.scheduledJobId {
                conditions.append("run.scheduledJobId = ?")
                arguments += [scheduledJobId]
            }
            if let prefix = filter.idPrefix {
                // IDs are lowercase hex: a range on the unique index, no LIKE escaping needed.
                conditions.append("run.id >= ? AND run.id < ?")
                arguments += [prefix, prefix + "g"]
            }
            if !filter.triggers.isEmpty {
                conditions.append("run.trigger IN (\(filter.triggers.map { _ in "?" }.joined(separator: ",")))")
                arguments += StatementArguments(filter.triggers.map(\.rawValue))
            }
            if let parameter = filter.parameter {
                // parameterValues is the JSON object of what the run received beyond defaults.
                conditions.append("json_extract(run.parameterValues, ?) = ?")
                let path = "$.\"" + parameter.name.replacingOccurrences(of: "\"", with: "") + "\""
                let typed: DatabaseValue = switch parameter.value {
                case "true": 1.databaseValue
                case "false": 0.databaseValue
                case let text where Double(text) != nil: Double(text)!.databaseValue
                case let text: text.databaseValue
                }
                arguments += [path, typed]
            }
            let from = "FROM run WHERE " + conditions.joined(separator: " AND ")
            // Every run of the visible jobs: the counts the triggers keep (migration v10),
            // one per job, instead of walking 100,000 runs; with other filters, a count.
            let totalSQL = onlyVisibility ? "SELECT COALESCE(SUM(runCount), 0) FROM visible" : "SELECT COUNT(*) \(from)"
            let with = "WITH visible AS MATERIALIZED (\(visible))"
            let selected: String
            var pageArguments = arguments
            switch filter.cursor {
            case nil:
                selected = "SELECT run.* \(from) ORDER BY run.seq DESC LIMIT ? OFFSET ?"
                pageArguments += [page.limit, page.offset]
            case .before(let runId)?:
                selected = "SELECT run.* \(from) AND run.seq < (SELECT seq FROM run WHERE id = ?) ORDER BY run.seq DESC LIMIT ?"
                pageArguments += [runId, page.limit]
            case .after(let runId)?:
                selected = "SELECT run.* \(from) AND run.seq > (SELECT seq FROM run WHERE id = ?) ORDER BY run.seq ASC LIMIT ?"
                pageArguments += [runId, page.limit]
            }
            // The page's rows, newest first whichever way they were picked, each carrying the
            // total (computed once: the subquery is not correlated); an empty page asks for
            // the total alone.
            let fetched = try Self.fetchRuns(db, sql: """
                \(with), page AS (\(selected)) SELECT page.*, (\(totalSQL)) AS cjrTotal FROM page ORDER BY page.seq DESC
                """, arguments: visibleArguments + pageArguments + arguments)
            return try Self.runListPage(db, fetched: fetched, page: page,
                                        total: { try Int.fetchOne(db, sql: "\(with) \(totalSQL)", arguments: visibleArguments + arguments) ?? 0 })
        }
    }

    /// A page of runs across jobs with no filter but visibility, found among the newest
    /// runs overall (``RunListWindow``), each checked against the jobs the user sees
    /// (``VisibleJobsCache``): flat in the length of history for a user who sees a fair
    /// share of it. Nil when the window cannot tell (too few of its runs are the user's,
    /// who is then read job by job for a while, or the cursor names no run).
    private func pageFromRecentRuns(_ db: Database, cursor: RunListFilter.Cursor?, userId: String,
                                    page: PageRequest) throws -> Page<(run: CustomJobRun, jobName: String)>? {
        guard !runListWindow.isSparse(userId) else { return nil }
        let visible = try visibleJobs.visible(db, userId: userId)
        if cursor == nil {
            // Past the end (the total is exact): nothing to step through, whatever the offset.
            if page.offset >= visible.runCount { return Page(items: [], totalCount: visible.runCount, request: page) }
            if let deep = try deepPage(db, visible: visible, userId: userId, page: page) { return deep }
        }
        guard let window = try Self.recentWindow(db, cursor: cursor, width: runListWindow.width(for: page)) else { return nil }
        let order = if case .after? = cursor { "ASC" } else { "DESC" }
        let picked = try Self.pick(page.limit, skipping: cursor == nil ? page.offset : 0, of: visible,
                                   from: Row.fetchCursor(db.cachedStatement(sql: "SELECT seq, jobId FROM run WHERE seq > ? AND seq < ? ORDER BY seq \(order)"),
                                                         arguments: [window.above, window.below]))
        guard picked.count == page.limit || window.whole else {
            runListWindow.markSparse(userId)
            return nil
        }
        return try Self.page(of: picked, visible: visible, db, page: page)
    }

    /// A page of the runs `userId` sees that lies nearer their oldest, or deep enough to be
    /// worth a seek (``NewestFirstRead``, ``PageAnchors``), read upwards from the anchor
    /// below it. Nil for a page near the newest, or when the user sees fewer than one run
    /// in `spread` of all: between two of their anchors would lie too many others' runs.
    private func deepPage(_ db: Database, visible: VisibleJobsCache.Visible, userId: String,
                          page: PageRequest) throws -> Page<(run: CustomJobRun, jobName: String)>? {
        guard var read = NewestFirstRead(page: page, total: visible.runCount),
              read.ascending || read.isDeep(for: pageAnchors),
              let (low, high) = try Self.seqBounds(db),
              Int64(visible.runCount).multipliedReportingOverflow(by: Int64(runListWindow.spread)).partialValue >= high - low + 1
        else { return nil }
        // Always from an anchor, even near the oldest: the user's oldest run may be far above
        // the oldest of all. Finding the anchors walks every run (runs are seen job by job).
        try read.seek(AnchoredList(anchors: pageAnchors, key: "visibleRuns\u{0}\(userId)", dependencies: [.jobList, .runRemovals]), db) { stride in
            try PageAnchors.every(stride, of: try Row.fetchCursor(db.cachedStatement(sql: "SELECT seq, jobId FROM run ORDER BY seq"))) { row in
                visible.jobs.contains(row[1]) ? row[0] as Int64 : nil
            }
        }
        guard read.ascending else { return nil }
        let picked = try Self.pick(read.limit, skipping: read.offset, of: visible,
                                   from: Row.fetchCursor(db.cachedStatement(sql: "SELECT seq, jobId FROM run WHERE seq >= ? ORDER BY seq ASC"),
                                                         arguments: [read.fromSeq ?? .min]))
        return try Self.page(of: picked, visible: visible, db, page: page)
    }

    /// The `seq`s of up to `limit` of `candidates` (rows of `seq, jobId`) in `visible`'s
    /// jobs, after skipping the first `skip` of those.
    private static func pick(_ limit: Int, skipping skip: Int, of visible: VisibleJobsCache.Visible,
                             from candidates: RowCursor) throws -> [Int64] {
        var skip = skip
        var picked: [Int64] = []
        while picked.count < limit, let candidate = try candidates.next() {
            guard visible.jobs.contains(candidate[1]) else { continue }
            if skip > 0 { skip -= 1 } else { picked.append(candidate[0]) }
        }
        return picked
    }

    /// The runs `picked` (by `seq`), newest first, as a page of the runs `visible` counts.
    private static func page(of picked: [Int64], visible: VisibleJobsCache.Visible, _ db: Database,
                             page: PageRequest) throws -> Page<(run: CustomJobRun, jobName: String)> {
        let fetched = try fetchRuns(db, sql: "SELECT * FROM run WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY seq DESC",
                                    arguments: [jsonArray(picked)], cached: true)
        return try runListPage(db, fetched: (fetched.rows, visible.runCount), page: page, total: { visible.runCount })
    }

    /// Runs, each row carrying the list's total as `cjrTotal` if any, decoded as SQLite steps
    /// through them: a row copied out by `fetchAll` finds each column by lowercasing every
    /// column name again (30 columns, 30 lookups, per run).
    private static func fetchRuns(_ db: Database, sql: String, arguments: StatementArguments,
                                  cached: Bool = false) throws -> (rows: [RunRow], total: Int?) {
        var rows: [RunRow] = []
        var total: Int?
        let cursor = cached ? try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
            : try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try cursor.next() {
            rows.append(try RunRow(row: row))
            if total == nil, row.hasColumn("cjrtotal") { total = try row.decode(Int.self, forColumn: "cjrtotal") }
        }
        return (rows, total)
    }

    /// A page of runs across jobs, with their jobs' names; `total()` counts when no row
    /// carried the total.
    private static func runListPage(_ db: Database, fetched: (rows: [RunRow], total: Int?), page: PageRequest,
                                    total: () throws -> Int) throws -> Page<(run: CustomJobRun, jobName: String)> {
        let total = try fetched.total ?? total()
        let rows = fetched.rows
        var names: [String: String] = [:]
        let jobs = try Row.fetchCursor(db.cachedStatement(sql: "SELECT id, name FROM job WHERE id IN (SELECT value FROM json_each(?))"),
                                       arguments: [jsonArray(Set(rows.map(\.jobId)))])
        while let job = try jobs.next() { names[job[0]] = job[1] }
        let runs = try loadRuns(db, rows: rows)
        return Page(items: runs.map { ($0, names[$0.customJobId] ?? "") }, totalCount: total, request: page)
    }

    /// The newest runs a page may be found among (``RunListWindow``): `seq` strictly
    /// between `above` and `below`, `width` of them from the cursor (or from the newest
    /// run) on; `whole` when that reaches the end of history, so that fewer visible runs in
    /// it are the answer. Nil when no window will do: the cursor's run does not exist, or `seq`
    /// has reached its very end.
    static func recentWindow(_ db: Database, cursor: RunListFilter.Cursor?, width: Int64) throws -> (above: Int64, below: Int64, whole: Bool)? {
        guard let (low, high) = try seqBounds(db) else { return (0, 1, true) } // no runs at all
        guard high < .max else { return nil } // AUTOINCREMENT's last value: the window's bound would overflow
        func cursorSeq(_ runId: String) throws -> Int64? {
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq FROM run WHERE id = ?"), arguments: [runId])
        }
        switch cursor {
        case nil:
            let above = high.subtractingReportingOverflow(width)
            return (above.overflow ? .min : above.partialValue, high + 1, above.overflow || above.partialValue < low)
        case .before(let runId)?:
            guard let seq = try cursorSeq(runId) else { return nil }
            let above = seq.subtractingReportingOverflow(width)
            return (above.overflow ? .min : above.partialValue, seq, above.overflow || above.partialValue < low)
        case .after(let runId)?:
            guard let seq = try cursorSeq(runId) else { return nil }
            let below = seq.addingReportingOverflow(width)
            return (seq, below.overflow ? .max : below.partialValue, below.overflow || below.partialValue > high)
        }
    }

    /// The lowest and highest `seq` of all runs; nil when there are none.
    static func seqBounds(_ db: Database) throws -> (low: Int64, high: Int64)? {
        // Two subqueries: SQLite reads a lone MIN or MAX off the rowid's end, both at once by a scan.
        guard let bounds = try Row.fetchOne(db.cachedStatement(sql: "SELECT (SELECT MIN(seq) FROM run) AS low, (SELECT MAX(seq) FROM run) AS high")),
              let low: Int64 = bounds["low"], let high: Int64 = bounds["high"] else { return nil }
        return (low, high)
    }

    private static func condition(for state: RunListFilter.State) -> String {
        switch state {
        case .queued: RunPhaseSQL.queued
        case .running: RunPhaseSQL.executing
        case .canceling, .succeeded, .failed, .interrupted, .canceled: "run.status = '\(state.rawValue)'"
        }
    }
}

extension RunStore {
    /// Runs waiting for a worker in cjr's queue, whoever's (the console's pool gauge).
    public func queuedRunCount() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run WHERE \(RunPhaseSQL.waiting)") ?? 0 }
    }

    /// The latest `limit` runs of each job, newest first (the console's strip of outcomes).
    public func recentRuns(jobIds: [String], limit: Int) async throws -> [String: [CustomJobRun]] {
        guard !jobIds.isEmpty else { return [:] }
        return try await database.read { db in
            // One statement for every job, compiled once per connection: compiling one
            // that reads every column of `run` is most of its cost (GRDB's authorizer
            // records each column read).
            let statement = try db.cachedStatement(sql: "SELECT * FROM run WHERE jobId = ? ORDER BY seq DESC LIMIT ?")
            var result: [String: [CustomJobRun]] = [:]
            for jobId in jobIds {
                let rows = try RunRow.fetchAll(statement, arguments: [jobId, limit])
                result[jobId] = try rows.map { try $0.model(items: [], queuePosition: nil) }
            }
            return result
        }
    }
}
