import Foundation
import GRDB
import CJRModel

extension RunStore {
    /// Runs of every live job `userId` has a role on, newest first, with their jobs' names.
    public func runs(matching filter: RunListFilter, visibleTo userId: String, page: PageRequest) async throws -> Page<(run: CustomJobRun, jobName: String)> {
        try await database.read { db in
            // The visible live jobs (with their kept run counts), found once per request as a
            // materialized set: the page's rows are looked up in it, and the total summed or
            // counted from it, in the same statement. One role check per job, not one per
            // run, and not one pass for the rows and another for the total.
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
            let totalSQL = filter.states.isEmpty && filter.scheduledJobId == nil && filter.idPrefix == nil && filter.triggers.isEmpty
                && filter.parameter == nil
                ? "SELECT COALESCE(SUM(runCount), 0) FROM visible" : "SELECT COUNT(*) \(from)"
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
            let fetched = try Row.fetchAll(db, sql: """
                \(with), page AS (\(selected)) SELECT page.*, (\(totalSQL)) AS cjrTotal FROM page ORDER BY page.seq DESC
                """, arguments: visibleArguments + pageArguments + arguments)
            let total = try fetched.first.map { try $0.decode(Int.self, forColumn: "cjrtotal") }
                ?? Int.fetchOne(db, sql: "\(with) \(totalSQL)", arguments: visibleArguments + arguments) ?? 0
            let rows = try fetched.map { try RunRow(row: $0) }
            let names = Dictionary(try Row.fetchAll(db, sql: "SELECT id, name FROM job WHERE id IN (\(rows.map { _ in "?" }.joined(separator: ",")))",
                                                    arguments: StatementArguments(rows.map(\.jobId)))
                .map { ($0["id"] as String, $0["name"] as String) }, uniquingKeysWith: { first, _ in first })
            let runs = try Self.loadRuns(db, rows: rows)
            return Page(items: runs.map { ($0, names[$0.customJobId] ?? "") }, totalCount: total, request: page)
        }
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
            var result: [String: [CustomJobRun]] = [:]
            for jobId in jobIds {
                let rows = try RunRow.filter(Column("jobId") == jobId).order(Column("seq").desc).limit(limit).fetchAll(db)
                result[jobId] = try rows.map { try $0.model(items: [], queuePosition: nil) }
            }
            return result
        }
    }
}
