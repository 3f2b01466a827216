import Foundation
import GRDB
import CJRModel

extension RunStore {
    /// Creates a job from `changes` (name required) in one transaction; `ownerId` becomes
    /// its creator and first OWNER.
    public func createJob(_ changes: JobChanges, ownerId: String) async throws -> CustomJob {
        guard let name = changes.name else { throw CJRError.invalid("name", "is required") }
        let now = Timestamp.now().microseconds
        return try await database.write { db in
            var row = JobRow(seq: nil, id: ObjectID.make(), name: name, description: "", jobType: JobType.default.rawValue,
                             entryPoint: nil, environmentId: "", environmentVersionId: "",
                             egressNetworkPolicy: CustomJobResources.defaultEgress.rawValue, resourceBundleId: nil,
                             ownerId: ownerId, created: now, updated: now, deleted: nil)
            try JobWriter(db: db, now: now, blobs: self.blobs, bundles: self.resourceBundles, userId: ownerId).apply(changes, to: &row, isNew: true)
            try db.execute(sql: "INSERT INTO jobRole (jobId, recipientType, recipientId, role, granted) VALUES (?, 'user', ?, 'OWNER', ?)",
                           arguments: [row.id, ownerId, now])
            return try Self.loadJob(db, id: row.id)
        }
    }

    /// Applies `changes` to a live job in one transaction; nothing changes if any part fails.
    /// `userId` makes the change (credentials it sets must be theirs).
    public func updateJob(id: String, _ changes: JobChanges, by userId: String) async throws -> CustomJob {
        let now = Timestamp.now().microseconds
        return try await database.write { db in
            try Self.authorize(db, .use, jobId: id, userId: userId)
            var row = try Self.liveJobRow(db, id: id)
            try JobWriter(db: db, now: now, blobs: self.blobs, bundles: self.resourceBundles, userId: userId).apply(changes, to: &row, isNew: false)
            return try Self.loadJob(db, id: id)
        }
    }

    /// A live (not deleted) job.
    public func job(id: String, checking access: JobAccess? = nil) async throws -> CustomJob {
        try await database.read { db in
            try Self.check(db, access, jobId: id)
            _ = try Self.liveJobRow(db, id: id)
            return try Self.loadJob(db, id: id)
        }
    }

    /// The newest live job of `ownerId`'s with exactly this description (how `cjr run` finds
    /// the job it made for a folder).
    public func liveJob(describedAs description: String, ownerId: String) async throws -> CustomJob? {
        try await database.read { db in
            guard let row = try JobRow.fetchOne(db, sql: """
                SELECT * FROM job WHERE deleted IS NULL AND description = ? AND ownerId = ? ORDER BY seq DESC LIMIT 1
                """, arguments: [description, ownerId]) else { return nil }
            return try Self.loadJob(db, id: row.id)
        }
    }

    /// Live jobs `userId` has a role on, newest first.
    public func jobs(matching filter: JobFilter, visibleTo userId: String, page: PageRequest) async throws -> Page<CustomJob> {
        try await database.read { db in
            var request = JobRow.filter(Column("deleted") == nil).filter(sql: AccessSQL.visibleJob, arguments: AccessSQL.arguments(userId))
            if filter.onlyRunning {
                request = request.filter(sql: "EXISTS (SELECT 1 FROM run WHERE run.jobId = job.id AND \(RunPhaseSQL.unfinished))")
            }
            if let search = filter.search, !search.isEmpty {
                let pattern = "%" + Self.escapeLike(search) + "%"
                request = request.filter(sql: "(name LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\')",
                                         arguments: [pattern, pattern])
            }
            if !filter.jobTypes.isEmpty {
                request = request.filter(filter.jobTypes.map(\.rawValue).contains(Column("jobType")))
            }
            // Whether a job has a running run changes with every run: counted each time.
            let countKey = filter.onlyRunning ? nil
                : "live\u{0}\(userId)\u{0}\(filter.search ?? "")\u{0}\(filter.jobTypes.map(\.rawValue).sorted().joined(separator: ","))"
            return try loadPage(db, request: request, page: page, countKey: countKey)
        }
    }

    /// The newest `limit` live jobs `userId` has a role on, by id and name only (a choice
    /// of jobs: no count of them all, none of their files or definitions).
    public func jobNames(visibleTo userId: String, limit: Int) async throws -> [(id: String, name: String)] {
        try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, name FROM job WHERE deleted IS NULL AND \(AccessSQL.visibleJob) ORDER BY seq DESC LIMIT ?
                """, arguments: AccessSQL.arguments(userId) + [limit]).map { ($0["id"], $0["name"]) }
        }
    }

    /// Soft-deleted jobs `userId` has a role on, most recently created first.
    public func deletedJobs(visibleTo userId: String, page: PageRequest) async throws -> Page<CustomJob> {
        try await database.read { db in
            try loadPage(db, request: JobRow.filter(Column("deleted") != nil)
                .filter(sql: AccessSQL.visibleJob, arguments: AccessSQL.arguments(userId)), page: page, countKey: "deleted\u{0}\(userId)")
        }
    }

    /// Soft-deletes a live job (by `userId`, an OWNER; nil: cjr itself): it leaves every
    /// list but `deletedJobs` and answers 404.
    public func deleteJob(id: String, by userId: String?) async throws {
        let now = Timestamp.now().microseconds
        try await database.write { db in
            if let userId { try Self.authorize(db, .delete, jobId: id, userId: userId) }
            var row = try Self.liveJobRow(db, id: id)
            row.deleted = now
            try row.update(db)
        }
    }

    /// Permanently deletes a soft-deleted job with its items and parameter values (by
    /// `userId`, an OWNER; nil: cjr itself). A live job is a 409.
    public func purgeJob(id: String, by userId: String?) async throws {
        let runIds: [String] = try await database.write { db in
            if let userId { try Self.authorize(db, .delete, jobId: id, userId: userId, deleted: nil) }
            let row = try Self.jobRow(db, id: id)
            guard row.deleted != nil else {
                throw CJRError(.conflict, "Custom job \(id) is not deleted; delete it before cleaning it up.")
            }
            let runIds = try String.fetchAll(db, sql: "SELECT id FROM run WHERE jobId = ?", arguments: [id])
            try row.delete(db)
            try Self.dropUnreferencedBlobs(db)
            return runIds
        }
        // After the commit: a crash before this leaves files the next start sweeps.
        removeLogs(of: runIds)
    }

    /// An item of a live job, with its content.
    /// An item of a live job (its content is ``blobs``' under `item.contentHash`).
    public func jobItem(jobId: String, itemId: String, checking access: JobAccess? = nil) async throws -> FileItem {
        try await database.read { db in
            try Self.check(db, access, jobId: jobId)
            _ = try Self.liveJobRow(db, id: jobId)
            guard let item = try JobItemRow.filter(Column("jobId") == jobId && Column("id") == itemId).fetchOne(db) else {
                throw CJRError.notFound("No file found: custom job \(jobId) has no item \(itemId).")
            }
            return item.model
        }
    }

    // MARK: - Reading

    static func liveJobRow(_ db: Database, id: String) throws -> JobRow {
        try jobRow(db, id: id, live: true)
    }

    /// A job's row, deleted or not (`live`: not), or the 404 of a missing job.
    static func jobRow(_ db: Database, id: String, live: Bool = false) throws -> JobRow {
        let sql = live ? "SELECT * FROM job WHERE id = ? AND deleted IS NULL" : "SELECT * FROM job WHERE id = ?"
        guard let row = try JobRow.fetchOne(db.cachedStatement(sql: sql), arguments: [id]) else {
            throw CJRError.notFound("Custom job \(id) not found.")
        }
        return row
    }

    static func loadJob(_ db: Database, id: String) throws -> CustomJob {
        try assemble(db, rows: [try jobRow(db, id: id)])[0]
    }

    /// A page of `request`'s jobs; its total kept under `countKey` (see ``JobCountCache``).
    private func loadPage(_ db: Database, request: QueryInterfaceRequest<JobRow>, page: PageRequest, countKey: String?) throws -> Page<CustomJob> {
        let total = try countKey.map { key in try jobCounts.count(db, key: key) { try request.fetchCount(db) } } ?? request.fetchCount(db)
        // A list whose count is kept changes only with the generation: it may seek too.
        let rows = try request.newestFirst(db, page: page, total: total,
                                           list: countKey.map { AnchoredList(anchors: pageAnchors, key: "jobs\u{0}\($0)", dependencies: .jobList) })
        return Page(items: try Self.assemble(db, rows: rows), totalCount: total, request: page)
    }

    /// Builds full jobs for `rows` with one query per child table, whatever the page size.
    private static func assemble(_ db: Database, rows: [JobRow]) throws -> [CustomJob] {
        // The IDs as one JSON array, and statements compiled once per connection.
        let ids = jsonArray(rows.map(\.id))
        let items = Dictionary(grouping: try JobItemRow.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM jobItem WHERE jobId IN (SELECT value FROM json_each(?)) ORDER BY filePath
            """), arguments: [ids]), by: \.jobId)
        var definitions: [String: [RuntimeParameterDefinition]] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: """
            SELECT jobId, definition FROM runtimeParameterDefinition
            WHERE jobId IN (SELECT value FROM json_each(?)) ORDER BY position
            """), arguments: [ids]) {
            definitions[row["jobId"], default: []].append(try decodeStoredJSON(RuntimeParameterDefinition.self, row["definition"]))
        }
        // The newest run by `seq` (creation order): one index step per job, not a scan of its runs.
        var lastRuns: [String: Int64] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: """
            SELECT value AS jobId, (SELECT created FROM run WHERE run.jobId = value ORDER BY seq DESC LIMIT 1) AS created
            FROM json_each(?)
            """), arguments: [ids]) {
            lastRuns[row["jobId"]] = row["created"]
        }
        var values: [String: [String: RuntimeParameterValue]] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: """
            SELECT jobId, fieldName, value FROM runtimeParameterValue WHERE jobId IN (SELECT value FROM json_each(?))
            """), arguments: [ids]) {
            values[row["jobId"], default: [:]][row["fieldName"]] = try decodeStoredJSON(RuntimeParameterValue.self, row["value"])
        }
        return rows.map { row in
            CustomJob(
                id: row.id, name: row.name, description: row.description,
                jobType: JobType(rawValue: row.jobType) ?? .default, entryPoint: row.entryPoint,
                environmentId: row.environmentId, environmentVersionId: row.environmentVersionId,
                resources: CustomJobResources(
                    egressNetworkPolicy: EgressNetworkPolicy(rawValue: row.egressNetworkPolicy) ?? CustomJobResources.defaultEgress,
                    resourceBundleId: row.resourceBundleId),
                created: Timestamp(microseconds: row.created), updated: Timestamp(microseconds: row.updated),
                deleted: row.deleted.map(Timestamp.init(microseconds:)),
                items: (items[row.id] ?? []).map(\.model),
                runtimeParameterDefinitions: definitions[row.id] ?? [],
                runtimeParameterValues: values[row.id] ?? [:],
                lastRun: lastRuns[row.id].map { Timestamp(microseconds: $0).iso8601 })
        }
    }

    /// Deletes `blob` rows nothing references any more. Their files are removed by the
    /// sweep at the next start, which leaves recent files alone (see ``BlobStore``).
    static func dropUnreferencedBlobs(_ db: Database) throws {
        try db.execute(sql: """
            DELETE FROM blob WHERE NOT EXISTS (SELECT 1 FROM jobItem WHERE blobHash = blob.hash)
                AND NOT EXISTS (SELECT 1 FROM runItem WHERE blobHash = blob.hash)
            """)
    }

    static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }
}
