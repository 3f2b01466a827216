import Foundation
import GRDB
import CJRModel

/// What a schedule is told to change; nil leaves a part as it is.
public struct ScheduleChange: Sendable {
    public var schedule: CronSchedule?
    /// `.some(nil)` goes back to the server's time zone.
    public var timeZone: String??
    public var parameterOverrides: [RuntimeParameterOverride]?

    public init(schedule: CronSchedule? = nil, timeZone: String?? = nil, parameterOverrides: [RuntimeParameterOverride]? = nil) {
        self.schedule = schedule
        self.timeZone = timeZone
        self.parameterOverrides = parameterOverrides
    }
}

extension RunStore {
    /// What the schedule ticker waits on (``signals``): a schedule was created, changed or
    /// deleted, so the next firing may be sooner.
    public static let schedulesSignal = "schedules"

    /// A new schedule for a live job, by a USER of it. Its values are checked as a run's
    /// would be now (entry point, types, rules, required values, `userId`'s credentials),
    /// so a schedule that could not start a run is refused rather than failing each time.
    public func createSchedule(jobId: String, schedule: CronSchedule, timeZone: String?, overrides: [RuntimeParameterOverride],
                               by userId: String, now: Timestamp = .now(), serverTimeZone: TimeZone = .current) async throws -> JobSchedule {
        let zone = try Self.zone(timeZone, server: serverTimeZone)
        let created = try await database.write { db in
            try Self.checkSchedulable(db, jobId: jobId, overrides: overrides, userId: userId)
            var row = ScheduleRow(
                seq: nil, id: ObjectID.make(), jobId: jobId, scheduledJobId: ObjectID.make(), cron: try storedJSON(StoredCron(schedule)),
                timeZone: timeZone, parameterOverrides: try storedJSON(overrides.map(StoredOverride.init)),
                created: now.microseconds, updated: now.microseconds, createdBy: userId, updatedBy: userId,
                nextRunAt: Self.next(schedule, after: now, in: zone), lastFiredAt: nil, lastRunId: nil, skippedFirings: 0, lastError: nil)
            try row.insert(db)
            return try Self.loadSchedules(db, rows: [row])[0]
        }
        signals.signal(Self.schedulesSignal)
        return created
    }

    /// A live job's schedules, oldest first.
    public func schedules(jobId: String, page: PageRequest) async throws -> Page<JobSchedule> {
        try await database.read { db in
            _ = try Self.liveJobRow(db, id: jobId)
            let request = ScheduleRow.filter(Column("jobId") == jobId)
            let rows = try request.order(Column("seq")).limit(page.limit, offset: page.offset).fetchAll(db)
            return Page(items: try Self.loadSchedules(db, rows: rows), totalCount: try request.fetchCount(db), request: page)
        }
    }

    public func schedule(jobId: String, id: String) async throws -> JobSchedule {
        try await database.read { db in try Self.loadSchedules(db, rows: [try Self.scheduleRow(db, jobId: jobId, id: id)])[0] }
    }

    /// Changes a schedule, by a USER of its job, who from now on is the one its runs act as
    /// (their credentials): the values are checked again as theirs.
    public func updateSchedule(jobId: String, id: String, _ change: ScheduleChange, by userId: String,
                               now: Timestamp = .now(), serverTimeZone: TimeZone = .current) async throws -> JobSchedule {
        let updated = try await database.write { db in
            var row = try Self.scheduleRow(db, jobId: jobId, id: id)
            var schedule = try Self.loadSchedules(db, rows: [row])[0]
            if let cron = change.schedule { schedule.schedule = cron }
            if let timeZone = change.timeZone { schedule.timeZone = timeZone }
            if let overrides = change.parameterOverrides { schedule.parameterOverrides = overrides }
            try Self.checkSchedulable(db, jobId: jobId, overrides: schedule.parameterOverrides, userId: userId)
            let zone = try Self.zone(schedule.timeZone, server: serverTimeZone)
            row.cron = try storedJSON(StoredCron(schedule.schedule))
            row.timeZone = schedule.timeZone
            row.parameterOverrides = try storedJSON(schedule.parameterOverrides.map(StoredOverride.init))
            row.updated = now.microseconds
            row.updatedBy = userId
            row.nextRunAt = Self.next(schedule.schedule, after: now, in: zone)
            try row.update(db)
            return try Self.loadSchedules(db, rows: [row])[0]
        }
        signals.signal(Self.schedulesSignal)
        return updated
    }

    /// Deletes a schedule (by a USER of its job); its runs stay.
    public func deleteSchedule(jobId: String, id: String, by userId: String) async throws {
        try await database.write { db in
            try Self.authorize(db, .use, jobId: jobId, userId: userId)
            _ = try Self.scheduleRow(db, jobId: jobId, id: id).delete(db)
        }
        signals.signal(Self.schedulesSignal)
    }

    // MARK: Firing

    /// When the next schedule of a live job is due, if any is.
    public func nextScheduleDue() async throws -> Timestamp? {
        try await database.read { db in
            try Int64.fetchOne(db, sql: """
                SELECT MIN(schedule.nextRunAt) FROM schedule JOIN job ON job.id = schedule.jobId
                WHERE job.deleted IS NULL AND schedule.nextRunAt IS NOT NULL
                """).map(Timestamp.init(microseconds:))
        }
    }

    /// Fires every schedule of a live job that is due at `now`, each once however many of
    /// its times have passed (a catch-up after downtime is one run, never a burst), and
    /// moves it to its first time after `now`. Each firing is one transaction: it starts
    /// a queued run, or skips because the schedule's previous run has not ended, or is
    /// refused (the reason kept as `lastError`). Started runs still have to be submitted
    /// to the scheduler. A firing that fails (a refused write, or a shutdown's cancellation)
    /// after others were made ends the pass with those: they are committed and must be
    /// submitted; the failed one is still due and comes round again. Only a pass that
    /// fired nothing throws.
    public func fireDueSchedules(now: Timestamp = .now(), serverTimeZone: TimeZone = .current) async throws -> [(JobSchedule, ScheduleFiring)] {
        let due = try await database.read { db in
            try String.fetchAll(db, sql: """
                SELECT schedule.id FROM schedule JOIN job ON job.id = schedule.jobId
                WHERE job.deleted IS NULL AND schedule.nextRunAt <= ? ORDER BY schedule.nextRunAt
                """, arguments: [now.microseconds])
        }
        var firings: [(JobSchedule, ScheduleFiring)] = []
        for id in due {
            do {
                if let firing = try await database.write({ db in try Self.fire(db, id: id, now: now, serverTimeZone: serverTimeZone) }) {
                    firings.append(firing)
                }
            } catch where !firings.isEmpty {
                break
            }
        }
        return firings
    }

    /// Moves every schedule that is due at `now` to its next time without firing it (the
    /// server's `--catch-up none`); returns how many were moved.
    public func skipMissedFirings(now: Timestamp = .now(), serverTimeZone: TimeZone = .current) async throws -> Int {
        try await database.write { db in
            let rows = try ScheduleRow.filter(Column("nextRunAt") <= now.microseconds).fetchAll(db)
            for var row in rows {
                row.nextRunAt = Self.next(try decodeStoredJSON(StoredCron.self, row.cron).schedule(),
                                          after: now, in: (try? Self.zone(row.timeZone, server: serverTimeZone)) ?? serverTimeZone)
                try row.update(db)
            }
            return rows.count
        }
    }

    private static func fire(_ db: Database, id: String, now: Timestamp, serverTimeZone: TimeZone) throws -> (JobSchedule, ScheduleFiring)? {
        // Due still: another server on this data directory may have fired it meanwhile.
        guard var row = try ScheduleRow.filter(Column("id") == id).fetchOne(db), let dueAt = row.nextRunAt, dueAt <= now.microseconds else {
            return nil
        }
        let due = Timestamp(microseconds: dueAt)
        let schedule = try loadSchedules(db, rows: [row])[0]
        row.nextRunAt = next(schedule.schedule, after: now, in: (try? zone(row.timeZone, server: serverTimeZone)) ?? serverTimeZone)
        row.lastFiredAt = now.microseconds
        let firing: ScheduleFiring
        if let running = try String.fetchOne(db, sql: "SELECT id FROM run WHERE scheduledJobId = ? AND \(RunPhaseSQL.unfinished) LIMIT 1",
                                             arguments: [row.scheduledJobId]) {
            row.skippedFirings += 1
            firing = .skipped(runningRunId: running, due: due)
        } else {
            // Late by more than a minute: the server was not running when it was due.
            let description = now.microseconds - dueAt > 60_000_000
                ? "Catch-up run of schedule \(row.id) for \(due.iso8601), missed while the server was not running"
                : "Run of schedule \(row.id) due at \(due.iso8601)"
            let disabled = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM user WHERE id = ? AND disabled IS NOT NULL",
                                            arguments: [row.updatedBy]) ?? 0 > 0
            let user = schedule.updatedBy.username
            do {
                if disabled {
                    throw CJRError(.forbidden, "\(user), whom its runs act as, has been disabled; "
                                   + "another USER of the job can take the schedule over by changing it")
                }
                if (try? authorize(db, .use, jobId: row.jobId, userId: row.updatedBy)) == nil {
                    throw CJRError(.forbidden, "\(user), whom its runs act as, may no longer start runs of this job (no USER role); "
                                   + "another USER of the job can take the schedule over by changing it")
                }
                var run: CustomJobRun?
                try db.inSavepoint {
                    run = try insertRun(db, jobId: row.jobId, description: description, overrides: schedule.parameterOverrides,
                                        userId: row.updatedBy, scheduledJobId: row.scheduledJobId, trigger: .schedule, now: now.microseconds)
                    return .commit
                }
                row.lastRunId = run?.id
                row.lastError = nil
                firing = run.map { .started($0, due: due) } ?? .refused("no run was recorded", due: due)
            } catch let error as CJRError {
                row.lastError = "\(now.iso8601): no run started: \(error.message)"
                firing = .refused(error.message, due: due)
            }
        }
        try row.update(db)
        return (try loadSchedules(db, rows: [row])[0], firing)
    }

    // MARK: Internals

    static func next(_ schedule: CronSchedule, after now: Timestamp, in zone: TimeZone) -> Int64? {
        schedule.next(after: Int64((Double(now.microseconds) / 1_000_000).rounded(.down)), in: zone).map { $0 * 1_000_000 }
    }

    /// `name` as a time zone (the server's when nil); 422 for a name the system does not know.
    static func zone(_ name: String?, server: TimeZone) throws -> TimeZone {
        guard let name else { return server }
        guard let zone = TimeZone(identifier: name) else {
            throw CJRError.invalid("timeZone", "'\(name)' is not a time zone this server knows; use an IANA name such as Europe/Berlin or America/New_York")
        }
        return zone
    }

    /// What a run of the schedule would check, short of creating one.
    private static func checkSchedulable(_ db: Database, jobId: String, overrides: [RuntimeParameterOverride], userId: String) throws {
        try authorize(db, .use, jobId: jobId, userId: userId)
        let job = try loadJob(db, id: try liveJobRow(db, id: jobId).id)
        guard let entryPoint = job.entryPoint, job.item(withID: entryPoint) != nil else {
            throw CJRError.invalid("entryPoint", "custom job \(jobId) has no entry point to run on a schedule; upload a run.sh or set entryPoint")
        }
        let values = try job.runtimeParameterDefinitions.merging(overrides, into: job.runtimeParameterValues, field: "parameterOverrides")
        try checkRunnable(db, definitions: job.runtimeParameterDefinitions, values: values, userId: userId, field: "parameterOverrides")
    }

    private static func scheduleRow(_ db: Database, jobId: String, id: String) throws -> ScheduleRow {
        _ = try liveJobRow(db, id: jobId)
        guard let row = try ScheduleRow.filter(Column("id") == id && Column("jobId") == jobId).fetchOne(db) else {
            throw CJRError.notFound("Schedule \(id) not found.")
        }
        return row
    }

    private static func loadSchedules(_ db: Database, rows: [ScheduleRow]) throws -> [JobSchedule] {
        let ids = Set(rows.flatMap { [$0.createdBy, $0.updatedBy] })
        let users = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, username FROM user WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ",")))",
                                                                     arguments: StatementArguments(Array(ids)))
            .map { ($0["id"] as String, $0["username"] as String) })
        return try rows.map { try $0.model(users: users) }
    }
}
