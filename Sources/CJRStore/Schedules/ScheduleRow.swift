import GRDB
import CJRModel

struct ScheduleRow: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "schedule"
    var seq: Int64?
    var id: String
    var jobId: String
    var scheduledJobId: String
    var cron: String
    var timeZone: String?
    var parameterOverrides: String
    var created: Int64
    var updated: Int64
    var createdBy: String
    var updatedBy: String
    var nextRunAt: Int64?
    var lastFiredAt: Int64?
    var lastRunId: String?
    var skippedFirings: Int
    var lastError: String?

    mutating func didInsert(_ inserted: InsertionSuccess) { seq = inserted.rowID }

    func model(users: [String: String]) throws -> JobSchedule {
        func user(_ id: String) -> UserReference { UserReference(id: id, username: users[id] ?? "") }
        return JobSchedule(
            id: id, customJobId: jobId, scheduledJobId: scheduledJobId,
            schedule: try decodeStoredJSON(StoredCron.self, cron).schedule(),
            timeZone: timeZone, parameterOverrides: try decodeStoredJSON([StoredOverride].self, parameterOverrides).map(\.model),
            created: Timestamp(microseconds: created), updated: Timestamp(microseconds: updated),
            createdBy: user(createdBy), updatedBy: user(updatedBy), nextRunAt: nextRunAt.map(Timestamp.init(microseconds:)),
            lastFiredAt: lastFiredAt.map(Timestamp.init(microseconds:)), lastRunId: lastRunId, skippedFirings: skippedFirings,
            lastError: lastError)
    }
}

/// A schedule's five fields as stored: each a list, or null for every value.
struct StoredCron: Codable {
    var minute: [Int]?
    var hour: [Int]?
    var dayOfMonth: [Int]?
    var month: [Int]?
    var dayOfWeek: [Int]?

    init(_ schedule: CronSchedule) {
        func list(_ values: CronSchedule.Values) -> [Int]? {
            if case .only(let values) = values { values } else { nil }
        }
        (minute, hour, dayOfMonth, month, dayOfWeek) = (list(schedule.minute), list(schedule.hour), list(schedule.dayOfMonth),
                                                        list(schedule.month), list(schedule.dayOfWeek))
    }

    func schedule() throws -> CronSchedule {
        func values(_ list: [Int]?) -> CronSchedule.Values { list.map { .only($0) } ?? .every }
        return try CronSchedule(minute: values(minute), hour: values(hour), dayOfMonth: values(dayOfMonth),
                                month: values(month), dayOfWeek: values(dayOfWeek))
    }
}

/// A runtime-parameter value a schedule gives its runs, as stored.
struct StoredOverride: Codable {
    var fieldName: String
    var type: RuntimeParameterType
    var value: RuntimeParameterValue?

    init(_ override: RuntimeParameterOverride) {
        (fieldName, type, value) = (override.fieldName, override.type, override.value)
    }

    var model: RuntimeParameterOverride { RuntimeParameterOverride(fieldName: fieldName, type: type, value: value) }
}
