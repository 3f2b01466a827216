import CJRModel

/// An item of `customJobs/{id}/schedules/`, in the shape the official client's
/// `JobSchedule` reads, plus cjr's `timeZone`, `nextRunAt` and what its last firings did.
struct SchedulePayload: Encodable, Sendable {
    var id: String
    var customJobId: String
    var scheduledJobId: String
    var createdAt: String
    var updatedAt: String
    var createdBy: UserPayload
    var updatedBy: UserPayload
    var schedule: CronPayload
    var parameterOverrides: [OverridePayload]
    @ExplicitNull var timeZone: String?
    @ExplicitNull var nextRunAt: String?
    @ExplicitNull var lastFiredAt: String?
    @ExplicitNull var lastRunId: String?
    var skippedFirings: Int
    @ExplicitNull var lastError: String?

    init(_ schedule: JobSchedule) {
        id = schedule.id
        customJobId = schedule.customJobId
        scheduledJobId = schedule.scheduledJobId
        createdAt = schedule.created.iso8601
        updatedAt = schedule.updated.iso8601
        createdBy = UserPayload(schedule.createdBy)
        updatedBy = UserPayload(schedule.updatedBy)
        self.schedule = CronPayload(schedule.schedule)
        parameterOverrides = schedule.parameterOverrides.map(OverridePayload.init)
        timeZone = schedule.timeZone
        nextRunAt = schedule.nextRunAt?.iso8601
        lastFiredAt = schedule.lastFiredAt?.iso8601
        lastRunId = schedule.lastRunId
        skippedFirings = schedule.skippedFirings
        lastError = schedule.lastError
    }

    /// `{id, username, firstName, lastName}`. cjr users have only a username, but the
    /// official client requires both names, drops nulls before it checks, and refuses blank
    /// strings: `firstName` repeats the username and `lastName` is `-`.
    struct UserPayload: Encodable, Sendable {
        var id: String
        var username: String
        var firstName: String
        var lastName = "-"

        init(_ user: UserReference) {
            id = user.id
            username = user.username
            firstName = user.username
        }
    }

    struct CronPayload: Encodable, Sendable {
        var minute: [CronSchedule.Entry]
        var hour: [CronSchedule.Entry]
        var dayOfMonth: [CronSchedule.Entry]
        var month: [CronSchedule.Entry]
        var dayOfWeek: [CronSchedule.Entry]

        init(_ schedule: CronSchedule) {
            (minute, hour, dayOfMonth, month, dayOfWeek) = (schedule.entries(.minute), schedule.entries(.hour),
                                                            schedule.entries(.dayOfMonth), schedule.entries(.month),
                                                            schedule.entries(.dayOfWeek))
        }
    }

    struct OverridePayload: Encodable, Sendable {
        var fieldName: String
        var type: String
        @ExplicitNull var value: RuntimeParameterValue?

        init(_ override: RuntimeParameterOverride) {
            fieldName = override.fieldName
            type = override.type.rawValue
            value = override.value
        }
    }
}

/// The body of a schedule's POST (`schedule` required) or PATCH: `schedule` (five lists,
/// each of integers or `["*"]`), `parameterOverrides` (`[{fieldName, type, value}]`, as
/// for a run) and cjr's `timeZone` (an IANA name; null: the server's).
struct ScheduleBody {
    var schedule: CronSchedule?
    var timeZone: String??
    var parameterOverrides: [RuntimeParameterOverride]?

    static let fields = ["schedule", "parameterOverrides", "timeZone"]

    static func parse(_ object: [String: JSONValue]) throws -> ScheduleBody {
        var body = ScheduleBody()
        for (key, value) in object.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "schedule":
                body.schedule = try cron(value)
            case "parameterOverrides":
                body.parameterOverrides = value == .null ? [] : try JobChangesParser.overrides(value, field: "parameterOverrides")
            case "timeZone":
                switch value {
                case .null: body.timeZone = .some(nil)
                case .string(let name): body.timeZone = .some(name)
                default: throw CJRError.invalid("timeZone", "must be an IANA time zone name or null, got \(value.typeName)")
                }
            default:
                throw CJRError.invalid(key, "unknown field\(Suggestion.phrase(for: key, among: fields)); accepted: \(fields.joined(separator: ", "))")
            }
        }
        return body
    }

    /// `{minute, hour, dayOfMonth, month, dayOfWeek}`, all five required.
    static func cron(_ value: JSONValue) throws -> CronSchedule {
        let names = CronSchedule.Field.allCases.map(\.rawValue)
        let example = "{\"minute\": [0], \"hour\": [\"*\"], \"dayOfMonth\": [\"*\"], \"month\": [\"*\"], \"dayOfWeek\": [\"*\"]}"
        guard case .object(let object) = value else {
            throw CJRError.invalid("schedule", "must be an object such as \(example), got \(value.typeName)")
        }
        for key in object.keys.sorted() where !names.contains(key) {
            throw CJRError.invalid("schedule.\(key)", "unknown field\(Suggestion.phrase(for: key, among: names)); accepted: \(names.joined(separator: ", "))")
        }
        var values: [CronSchedule.Values] = []
        for field in CronSchedule.Field.allCases {
            values.append(try self.values(object[field.rawValue], field: field))
        }
        return try CronSchedule(minute: values[0], hour: values[1], dayOfMonth: values[2], month: values[3], dayOfWeek: values[4])
    }

    private static func values(_ value: JSONValue?, field: CronSchedule.Field) throws -> CronSchedule.Values {
        let name = "schedule.\(field.rawValue)"
        let wanted = "a list of integers \(field.range.lowerBound)–\(field.range.upperBound), or [\"*\"]"
        guard let value else { throw CJRError.invalid(name, "is required: \(wanted)") }
        guard case .array(let entries) = value else { throw CJRError.invalid(name, "must be \(wanted), got \(value.typeName)") }
        var numbers: [Int] = []
        for entry in entries {
            switch entry {
            case .string("*"):
                guard entries.count == 1 else { throw CJRError.invalid(name, "\"*\" means every value and stands alone: [\"*\"]") }
                return .every
            case .number(let number) where number == number.rounded() && abs(number) < 1e9:
                numbers.append(Int(number))
            // The client's type allows strings; a string of digits is a number.
            case .string(let text) where Int(text) != nil:
                numbers.append(Int(text)!)
            case .string(let text):
                throw CJRError.invalid(name, "must be \(wanted); \"\(text)\" is not")
            case .number(let number):
                throw CJRError.invalid(name, "must be \(wanted); \(number) is not a whole number in range")
            default:
                throw CJRError.invalid(name, "must be \(wanted); an entry is \(entry.typeName)")
            }
        }
        return .list(numbers)
    }
}
