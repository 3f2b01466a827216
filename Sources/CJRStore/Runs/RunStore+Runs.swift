import Foundation
import GRDB
import CJRModel

/// Who is executing a run: a process id with its kernel start time (so a reused pid is
/// never taken for the original process).
public struct ProcessIdentity: Sendable, Equatable {
    public var pid: Int32
    public var startTime: Int64

    public init(pid: Int32, startTime: Int64) {
        self.pid = pid
        self.startTime = startTime
    }
}

/// A run that was executing according to the store: what recovery needs to find its processes.
public struct ActiveRunRecord: Sendable, Equatable {
    public var runId: String
    public var status: RunStatus
    public var owner: ProcessIdentity?
    public var launcher: ProcessIdentity?
    public var cgroup: String?
    /// What the executor recorded when it started the run (a Slurm job: `slurm:job=ID`).
    public var sandbox: [String] = []
    /// Whether its entry point was running (false: claimed, in its executor's queue).
    public var started = true
}

/// The run phases as SQL conditions on the `run` table: the one place the store spells them.
///
/// A run is *claimed* when a worker takes it from cjr's queue (its owner is recorded) and
/// *started* when its entry point runs. Locally the two are moments apart; a cluster may
/// hold a claimed run in its own queue (Slurm's PENDING) for as long as it likes, and the
/// run shows as queued until then.
enum RunPhaseSQL {
    /// Not executing yet: in cjr's queue, or claimed and waiting for its executor.
    static let queued = "status = 'running' AND started IS NULL"
    /// In cjr's queue, waiting for a worker.
    static let waiting = "status = 'running' AND ownerPid IS NULL AND started IS NULL"
    /// Its entry point runs.
    static let executing = "status = 'running' AND started IS NOT NULL"
    /// Claimed and not ended (waiting for its executor, executing or ending): what
    /// recovery looks at.
    static let claimed = "status IN ('running', 'canceling') AND (ownerPid IS NOT NULL OR started IS NOT NULL)"
    /// Not ended: queued, executing or ending.
    static let unfinished = "status IN ('running', 'canceling')"

    static func phase(of row: RunRow) -> RunPhase {
        RunPhase(status: RunStatus(rawValue: row.status) ?? .failed, started: row.started != nil)
    }

    static func isWaiting(_ row: RunRow) -> Bool { row.status == RunStatus.running.rawValue && row.ownerPid == nil && row.started == nil }
}

extension RunStore {
    // MARK: Creating and reading

    /// Creates a queued run of a live job: snapshots its files, entry point, environment,
    /// resources and the runtime-parameter values the run receives (job level, then
    /// `overrides` on top). `userId` starts it: the run acts as them.
    public func createRun(jobId: String, description: String?, overrides: [RuntimeParameterOverride]?,
                          startedBy userId: String, trigger: RunTrigger = .api) async throws -> CustomJobRun {
        if let description { try FieldLimits.validateDescription(description) }
        let now = Timestamp.now().microseconds
        return try await database.write { db in
            try Self.insertRun(db, jobId: jobId, description: description ?? "", overrides: overrides ?? [], userId: userId,
                               scheduledJobId: nil, trigger: trigger, now: now)
        }
    }

    /// The body of ``createRun(jobId:description:overrides:startedBy:trigger:)``, for a transaction
    /// that does more (a schedule's firing).
    static func insertRun(_ db: Database, jobId: String, description: String, overrides: [RuntimeParameterOverride],
                          userId: String, scheduledJobId: String?, trigger: RunTrigger, now: Int64) throws -> CustomJobRun {
        try Self.authorize(db, .use, jobId: jobId, userId: userId)
        let job = try Self.loadJob(db, id: try Self.liveJobRow(db, id: jobId).id)
        guard let entryPoint = job.entryPoint, job.item(withID: entryPoint) != nil else {
            throw CJRError.invalid("entryPoint", "custom job \(jobId) has no entry point; upload a run.sh or set entryPoint to one of its items")
        }
        let values = try job.runtimeParameterDefinitions.merging(overrides, into: job.runtimeParameterValues,
                                                                 field: "runtimeParameterValues")
        try Self.checkRunnable(db, definitions: job.runtimeParameterDefinitions, values: values, userId: userId)
        var row = RunRow(
            seq: nil, id: ObjectID.make(), jobId: jobId, statusId: ObjectID.make(), description: description,
            status: RunStatus.running.rawValue, entryPoint: entryPoint, environmentId: job.environmentId,
            environmentVersionId: job.environmentVersionId, egressNetworkPolicy: job.resources.egressNetworkPolicy.rawValue,
            resourceBundleId: job.resources.resourceBundleId, scheduledJobId: scheduledJobId,
            parameterDefinitions: try storedJSON(job.runtimeParameterDefinitions), parameterValues: try storedJSON(values),
            created: now, started: nil, ended: nil, exitCode: nil, signal: nil, endReason: nil, ownerPid: nil,
            ownerStartTime: nil, launcherPid: nil, launcherStartTime: nil, cgroup: nil, logBytes: 0, logTruncated: false,
            jobType: job.jobType.rawValue, sandbox: nil, userId: userId, trigger: trigger.rawValue)
        try row.insertRow(db)
        for item in job.items {
            try RunItemRow(runId: row.id, id: item.id, filePath: item.filePath, fileName: item.fileName,
                           fileSource: item.fileSource, blobHash: item.contentHash, size: item.size,
                           created: item.created.microseconds).insertListed(db)
        }
        return try Self.loadRun(db, row: row)
    }

    /// A run of a live job; `access`, if given, checked first in the same transaction.
    public func run(jobId: String, runId: String, checking access: JobAccess? = nil) async throws -> CustomJobRun {
        try await database.read { db in
            try Self.check(db, access, jobId: jobId)
            return try Self.loadRun(db, row: try Self.runRow(db, jobId: jobId, runId: runId))
        }
    }

    /// A run by id alone (the scheduler's view).
    public func run(id: String) async throws -> CustomJobRun {
        try await database.read { db in
            guard let row = try RunRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM run WHERE id = ?"), arguments: [id]) else {
                throw CJRError.notFound("Custom job run \(id) not found.")
            }
            return try Self.loadRun(db, row: row)
        }
    }

    /// Just the status of a run: what an executing run polls for cancels from elsewhere.
    public func runStatus(id: String) async throws -> RunStatus? {
        try await database.read { db in
            try String.fetchOne(db, sql: "SELECT status FROM run WHERE id = ?", arguments: [id]).flatMap(RunStatus.init(rawValue:))
        }
    }

    /// The run an async status id tracks, if `userId` (if given) may read its job: a status
    /// of a job they have no role on is not found, as one that does not exist.
    public func run(statusId: String, visibleTo userId: String? = nil) async throws -> CustomJobRun {
        try await database.read { db in
            guard let row = try RunRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM run WHERE statusId = ?"), arguments: [statusId]),
                  try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM job WHERE id = ? AND deleted IS NULL"),
                                   arguments: [row.jobId]) ?? 0 > 0 else {
                throw CJRError.notFound("Status \(statusId) not found.")
            }
            do {
                try Self.check(db, userId.map { JobAccess(userId: $0, permission: .read) }, jobId: row.jobId)
            } catch let error as CJRError where error.kind == .notFound {
                throw CJRError.notFound("Status \(statusId) not found.")
            }
            return try Self.loadRun(db, row: row)
        }
    }

    /// Runs of a live job, newest first; `access`, if given, checked first in the same transaction.
    public func runs(jobId: String, scheduledJobId: String?, page: PageRequest, checking access: JobAccess? = nil) async throws -> Page<CustomJobRun> {
        try await database.read { db in
            try Self.check(db, access, jobId: jobId)
            _ = try Self.liveJobRow(db, id: jobId)
            var from = "FROM run WHERE jobId = ?"
            var arguments: StatementArguments = [jobId]
            if let scheduledJobId {
                from += " AND scheduledJobId = ?"
                arguments += [scheduledJobId]
            }
            // All of a job's runs: the count the triggers keep (migration v10).
            let total = scheduledJobId == nil
                ? try Int.fetchOne(db.cachedStatement(sql: "SELECT runCount FROM job WHERE id = ?"), arguments: [jobId]) ?? 0
                : try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run WHERE jobId = ? AND scheduledJobId = ?", arguments: arguments) ?? 0
            let rows = try RunRow.newestFirst(db, from: from, arguments: arguments, page: page, total: total,
                                              list: AnchoredList(anchors: pageAnchors, key: "runs\u{0}\(jobId)" + (scheduledJobId.map { "\u{0}\($0)" } ?? ""),
                                                                 dependencies: .runRemovals))
            return Page(items: try Self.loadRuns(db, rows: rows), totalCount: total, request: page)
        }
    }

    /// Changes a run's description (by `userId`, a USER of the job), and, while it has not
    /// started, its parameter values: those only the user who started it may change (the
    /// run acts as them, with their credentials and their API token).
    public func updateRun(jobId: String, runId: String, description: String?,
                          overrides: [RuntimeParameterOverride]?, by userId: String) async throws -> CustomJobRun {
        if let description { try FieldLimits.validateDescription(description) }
        return try await database.write { db in
            try Self.authorize(db, .use, jobId: jobId, userId: userId)
            var row = try Self.runRow(db, jobId: jobId, runId: runId)
            if let description { row.description = description }
            if let overrides, !overrides.isEmpty {
                guard userId == row.userId else {
                    throw CJRError(.forbidden, "Only the user who started run \(runId) may change its runtimeParameterValues; it runs as them.",
                                   field: "runtimeParameterValues")
                }
                guard RunPhaseSQL.isWaiting(row) else {
                    throw CJRError.invalid("runtimeParameterValues", "run \(runId) has already started; its values are fixed")
                }
                // On top of what the run already holds (its snapshot plus earlier overrides).
                let definitions = try decodeStoredJSON([RuntimeParameterDefinition].self, row.parameterDefinitions)
                let current = try decodeStoredJSON([String: RuntimeParameterValue].self, row.parameterValues)
                let values = try definitions.merging(overrides, into: current, field: "runtimeParameterValues")
                try Self.checkRunnable(db, definitions: definitions, values: values, userId: userId)
                row.parameterValues = try storedJSON(values)
            }
            try row.update(db)
            return try Self.loadRun(db, row: row)
        }
    }

    /// An item of a run's snapshot (its content is ``blobs``' under `item.contentHash`).
    public func runItem(jobId: String, runId: String, itemId: String, checking access: JobAccess? = nil) async throws -> FileItem {
        try await database.read { db in
            try Self.check(db, access, jobId: jobId)
            _ = try Self.runRow(db, jobId: jobId, runId: runId)
            guard let row = try RunItemRow.filter(Column("runId") == runId && Column("id") == itemId).fetchOne(db) else {
                throw CJRError.notFound("No file found: run \(runId) has no item \(itemId).")
            }
            return row.model
        }
    }

    // MARK: Lifecycle (the scheduler's side)

    /// Runs waiting for a worker, oldest first, each with the user who started it.
    public func queuedRuns() async throws -> [(id: String, userId: String)] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT id, COALESCE(userId, '') AS userId FROM run WHERE \(RunPhaseSQL.waiting) ORDER BY seq")
                .map { ($0["id"], $0["userId"]) }
        }
    }

    /// When each user's runs last started (microseconds), for the fair queue's order.
    public func lastStartPerUser() async throws -> [String: Int64] {
        try await database.read { db in
            var starts: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT userId, MAX(started) AS started FROM run WHERE userId IS NOT NULL AND started IS NOT NULL GROUP BY userId") {
                starts[row["userId"]] = row["started"]
            }
            return starts
        }
    }

    /// Makes `owner` the executor of a waiting run, unless another process claimed it first
    /// or it was canceled meanwhile. Returns the run when this caller owns it; it counts as
    /// started once ``recordLaunch(runId:launcher:cgroup:sandbox:running:)`` says it runs. The run of a user
    /// disabled since it was queued never starts: it ends `canceled`, its log saying why.
    ///
    /// With `runTokenLifetime`, the same transaction issues the run's API token (its
    /// `DATAROBOT_API_TOKEN`). That token acts as the user who started the run, with that
    /// user's rights and no more. It expires `runTokenLifetime` seconds after the entry
    /// point starts (``recordLaunch(runId:launcher:cgroup:sandbox:running:runTokenLifetime:)``;
    /// until then, that long after the claim), is deleted in the transaction that records
    /// the run's end, and is refused as soon as the run has ended anyway.
    public func claimRun(id: String, owner: ProcessIdentity, runTokenLifetime: Int? = nil) async throws -> (run: CustomJobRun, apiToken: String?)? {
        let now = Timestamp.now().microseconds
        let secret = runTokenLifetime.map { _ in Self.makeSecret() }
        return try await database.write { db in
            let startedByDisabled = try Int.fetchOne(db.cachedStatement(sql: """
                SELECT COUNT(*) FROM run JOIN user ON user.id = run.userId WHERE run.id = ? AND user.disabled IS NOT NULL AND \(RunPhaseSQL.waiting)
                """), arguments: [id]) ?? 0 > 0
            if startedByDisabled {
                try db.execute(sql: "UPDATE run SET status = 'canceled', endReason = 'canceled', ended = ? WHERE id = ?", arguments: [now, id])
                let note = Array("[cjr] canceled before it started: the user who started it has been disabled\n".utf8)
                let logBytes = try Int64.fetchOne(db, sql: "SELECT logBytes FROM run WHERE id = ?", arguments: [id]) ?? 0
                let start = try Self.write(note, to: self.directory.logFile(runId: id), at: logBytes)
                try db.execute(sql: "UPDATE run SET logBytes = ? WHERE id = ?", arguments: [start + Int64(note.count), id])
                self.signals.signal(id)
                return nil
            }
            try db.cachedStatement(sql: """
                UPDATE run SET ownerPid = ?, ownerStartTime = ?
                WHERE id = ? AND \(RunPhaseSQL.waiting)
                """).execute(arguments: [owner.pid, owner.startTime, id])
            guard db.changesCount == 1, let row = try RunRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM run WHERE id = ?"), arguments: [id]) else {
                return nil
            }
            var apiToken: String?
            if let secret, let lifetime = runTokenLifetime, let userId = row.userId {
                try Self.insertToken(db, userId: userId, secret: secret, purpose: "run:\(id)", now: now, expires: now + Int64(lifetime) * 1_000_000)
                apiToken = secret
            }
            return (try Self.loadRun(db, row: row), apiToken)
        }
    }

    /// Records what an executor launched for a claimed run (its launcher process and cgroup,
    /// its protections), for recovery after a crash; `running`: its entry point runs now (a
    /// cluster may first hold it in its own queue), which sets `startedAt` once, and starts
    /// its API token's `runTokenLifetime` from now (its preparation, a `pip install` say, or
    /// a wait in a cluster's queue do not use it up).
    public func recordLaunch(runId: String, launcher: ProcessIdentity?, cgroup: String?, sandbox: [String] = [],
                             running: Bool = true, runTokenLifetime: Int? = nil) async throws {
        let protections = try storedJSON(sandbox)
        let now = Timestamp.now().microseconds
        try await database.write { db in
            try db.cachedStatement(sql: """
                UPDATE run SET launcherPid = ?, launcherStartTime = ?, cgroup = ?, sandbox = ?,
                               started = CASE WHEN ? THEN COALESCE(started, ?) ELSE started END
                WHERE id = ?
                """).execute(arguments: [launcher?.pid, launcher?.startTime, cgroup, protections, running, now, runId])
            if running, let runTokenLifetime {
                try db.cachedStatement(sql: "UPDATE token SET expires = ? WHERE purpose = ?")
                    .execute(arguments: [now + Int64(runTokenLifetime) * 1_000_000, "run:\(runId)"])
            }
        }
        if running { signals.signal(runId) }
    }

    /// Records how a run ended, and deletes its API token. A run that ended already keeps
    /// its first outcome. One that never started counts as started when it ended (its
    /// launch failed, say), unless it was canceled: then it never started, as when canceled
    /// in cjr's queue.
    public func finishRun(id: String, outcome: RunOutcome) async throws {
        let now = Timestamp.now().microseconds
        let started: Int64? = outcome.status == .canceled ? nil : now
        try await database.write { db in
            try db.cachedStatement(sql: """
                UPDATE run SET status = ?, endReason = ?, exitCode = ?, signal = ?, ended = ?, started = COALESCE(started, ?)
                WHERE id = ? AND \(RunPhaseSQL.unfinished)
                """).execute(arguments: [outcome.status.rawValue, outcome.reason.rawValue, outcome.exitCode, outcome.signal, now, started, id])
            try Self.deleteRunToken(db, runId: id)
        }
        signals.signal(id)
        signals.forget(id)
    }

    /// Asks for a run to be canceled. A run in cjr's queue is canceled at once (and `true`
    /// says it never reached a worker); a claimed one becomes `canceling`, and its worker
    /// stops it (or withdraws it from its cluster's queue). An ended run is a 422. `userId`
    /// (a USER of the job) asks; nil: cjr itself.
    @discardableResult
    public func requestCancel(jobId: String, runId: String, by userId: String?) async throws -> (run: CustomJobRun, wasQueued: Bool) {
        let now = Timestamp.now().microseconds
        let answer: (run: CustomJobRun, wasQueued: Bool) = try await database.write { db in
            if let userId { try Self.authorize(db, .use, jobId: jobId, userId: userId) }
            var row = try Self.runRow(db, jobId: jobId, runId: runId)
            if RunPhaseSQL.phase(of: row) == .ended {
                throw CJRError(.invalidInput, "Run \(runId) has already ended (\(row.status)); there is nothing to cancel.", field: "customJobRunId")
            }
            let wasQueued = RunPhaseSQL.isWaiting(row)
            if wasQueued {
                row.status = RunStatus.canceled.rawValue
                row.endReason = RunEndReason.canceled.rawValue
                row.ended = now
            } else {
                row.status = RunStatus.canceling.rawValue
            }
            try row.update(db)
            return (try Self.loadRun(db, row: row), wasQueued)
        }
        signals.signal(runId)
        return answer
    }

    /// Runs that were claimed and have not ended, for crash recovery.
    public func activeRunRecords() async throws -> [ActiveRunRecord] {
        try await database.read { db in
            try RunRow.fetchAll(db.cachedStatement(sql: "SELECT * FROM run WHERE \(RunPhaseSQL.claimed) ORDER BY seq")).map { row in
                ActiveRunRecord(
                    runId: row.id, status: RunStatus(rawValue: row.status) ?? .running,
                    owner: zip(row.ownerPid, row.ownerStartTime).map(ProcessIdentity.init),
                    launcher: zip(row.launcherPid, row.launcherStartTime).map(ProcessIdentity.init),
                    cgroup: row.cgroup, sandbox: (try? row.sandbox.map { try decodeStoredJSON([String].self, $0) }) ?? [],
                    started: row.started != nil)
            }
        }
    }

    /// Makes `owner` the process executing a run whose owner is gone (a run re-attached on
    /// a cluster after a restart); false when the run has ended meanwhile.
    public func adoptRun(id: String, owner: ProcessIdentity) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: "UPDATE run SET ownerPid = ?, ownerStartTime = ? WHERE id = ? AND \(RunPhaseSQL.claimed)",
                           arguments: [owner.pid, owner.startTime, id])
            return db.changesCount > 0
        }
    }

    // MARK: Helpers

    /// A run needs a value (its own, the job's, or the default) for every parameter with
    /// `allowEmpty: false`, and every credential it names must be one of `userId`'s, the
    /// user the run acts as.
    static func checkRunnable(_ db: Database, definitions: [RuntimeParameterDefinition], values: [String: RuntimeParameterValue],
                              userId: String, field: String = "runtimeParameterValues") throws {
        for definition in definitions where !definition.allowEmpty {
            let value = values[definition.fieldName] ?? definition.defaultValue
            if value == nil || value == .string("") {
                throw CJRError.invalid(field,
                    "parameter '\(definition.fieldName)' has allowEmpty: false and no value; set it on the job or the run")
            }
        }
        try CredentialCheck(db: db, userId: userId).check(values, definitions: definitions, field: field)
    }

    static func runRow(_ db: Database, jobId: String, runId: String) throws -> RunRow {
        _ = try liveJobRow(db, id: jobId)
        guard let row = try RunRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM run WHERE id = ? AND jobId = ?"), arguments: [runId, jobId]) else {
            throw CJRError.notFound("Custom job run \(runId) not found.")
        }
        return row
    }

    static func loadRun(_ db: Database, row: RunRow) throws -> CustomJobRun {
        try loadRuns(db, rows: [row])[0]
    }

    /// Full runs for `rows`, with one query for all their items whatever the page size.
    static func loadRuns(_ db: Database, rows: [RunRow]) throws -> [CustomJobRun] {
        // One statement for any number of runs (their IDs as a JSON array), compiled once per connection.
        let items = Dictionary(grouping: try RunItemRow.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM runItem WHERE runId IN (SELECT value FROM json_each(?)) ORDER BY filePath
            """), arguments: [jsonArray(rows.map(\.id))]), by: \.runId)
        let json = StoredJSONCache()
        return try rows.map { row in
            var position: Int?
            if RunPhaseSQL.isWaiting(row), let seq = row.seq {
                position = try FairQueueSQL.position(db, seq: seq, userId: row.userId ?? "")
            }
            return try row.model(items: (items[row.id] ?? []).map(\.model), queuePosition: position, json: json)
        }
    }
}

private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
