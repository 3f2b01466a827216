import GRDB
import CJRModel

extension RunStore {
    /// Runs of every live job `userId` has a role on, newest first, with their jobs' names.
    public func runs(matching filter: RunListFilter, visibleTo userId: String, page: PageRequest) async throws -> Page<(run: CustomJobRun, jobName: String)> {
        try await database.read { db in
            var conditions = ["job.deleted IS NULL", AccessSQL.visibleJob]
            var arguments = AccessSQL.arguments(userId)
            if !filter.states.isEmpty {
                conditions.append("(" + filter.states.map { "(\(Self.condition(for: $0)))" }.joined(separator: " OR ") + ")")
            }
            if let jobId = filter.jobId {
                conditions.append("run.jobId = ?")
                arguments += [jobId]
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
            let from = "FROM run JOIN job ON job.id = run.jobId WHERE " + conditions.joined(separator: " AND ")
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) \(from)", arguments: arguments) ?? 0
            let rows = try RunRow.fetchAll(db, sql: "SELECT run.* \(from) ORDER BY run.seq DESC LIMIT ? OFFSET ?",
                                           arguments: arguments + [page.limit, page.offset])
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
