/// When a schedule fires, as the platform's API spells it: five fields (`minute`, `hour`,
/// `dayOfMonth`, `month`, `dayOfWeek`), each a list of values or every value (`["*"]`).
/// A minute fires when every field matches it, with cron's rule for days: when both
/// `dayOfMonth` and `dayOfWeek` are restricted, a day that matches either one is enough
/// (the platform calls the two "additive"); when one is `*`, the other decides alone.
public struct CronSchedule: Sendable, Hashable {
    public enum Field: String, CaseIterable, Sendable {
        case minute, hour, dayOfMonth, month, dayOfWeek

        /// The values the field may hold (`dayOfWeek`: 0 is Sunday).
        public var range: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...6
            }
        }
    }

    /// One field's values: all of them, or a set of them (kept sorted, without repeats).
    public enum Values: Sendable, Hashable {
        case every
        case only([Int])

        /// The values as a sorted set, without repeats; an empty list is `only([])`.
        public static func list(_ values: [Int]) -> Values { .only(Array(Set(values)).sorted()) }

        public var isEvery: Bool { self == .every }

        func contains(_ value: Int) -> Bool {
            switch self {
            case .every: true
            case .only(let values): values.contains(value)
            }
        }

        /// The values it stands for within `range`, ascending.
        func expanded(in range: ClosedRange<Int>) -> [Int] {
            switch self {
            case .every: Array(range)
            case .only(let values): values
            }
        }
    }

    public private(set) var minute: Values
    public private(set) var hour: Values
    public private(set) var dayOfMonth: Values
    public private(set) var month: Values
    public private(set) var dayOfWeek: Values

    /// A schedule that can fire: each field non-empty and in its range, and at least one
    /// real date among the days and months it names (not only 30 and 31 February). Errors
    /// name the field as `<prefix>.<field>`.
    public init(minute: Values, hour: Values, dayOfMonth: Values, month: Values, dayOfWeek: Values,
                fieldPrefix: String = "schedule") throws(CJRError) {
        (self.minute, self.hour, self.dayOfMonth, self.month, self.dayOfWeek) = (minute, hour, dayOfMonth, month, dayOfWeek)
        for field in Field.allCases {
            guard case .only(let values) = self[field] else { continue }
            let name = "\(fieldPrefix).\(field.rawValue)"
            guard !values.isEmpty else {
                throw CJRError.invalid(name, "must not be empty: list values in \(field.range.lowerBound)–\(field.range.upperBound), or [\"*\"] for every one")
            }
            if let wrong = values.first(where: { !field.range.contains($0) }) {
                throw CJRError.invalid(name, "\(wrong) is out of range: values are \(field.range.lowerBound)–\(field.range.upperBound)"
                                       + (field == .dayOfWeek ? " (0 is Sunday)" : ""))
            }
        }
        // Days of the week always come round; days of the month alone must exist in a named month.
        if case .only(let days) = dayOfMonth, dayOfWeek.isEvery {
            let months = month.expanded(in: Field.month.range)
            if !months.contains(where: { month in days.contains { $0 <= Self.longestMonth(month) } }) {
                throw CJRError.invalid("\(fieldPrefix).dayOfMonth",
                                       "can never fire: no month in \(months) has day \(days.map(String.init).joined(separator: " or "))")
            }
        }
    }

    public subscript(field: Field) -> Values {
        switch field {
        case .minute: minute
        case .hour: hour
        case .dayOfMonth: dayOfMonth
        case .month: month
        case .dayOfWeek: dayOfWeek
        }
    }

    /// Whether the schedule fires on the civil date `year-month-day`, a `weekday` (0 Sunday).
    func firesOn(month: Int, day: Int, weekday: Int) -> Bool {
        guard self.month.contains(month) else { return false }
        let byMonthDay = dayOfMonth.contains(day), byWeekday = dayOfWeek.contains(weekday)
        return dayOfMonth.isEvery || dayOfWeek.isEvery ? byMonthDay && byWeekday : byMonthDay || byWeekday
    }

    /// Days in the longest instance of `month` (29 for February: leap years count).
    static func longestMonth(_ month: Int) -> Int {
        switch month {
        case 2: 29
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

extension CronSchedule {
    /// One entry of a field's list as the API writes it: a number, or `"*"` for every value
    /// (read back from a string of digits too, as the official client's type allows).
    public enum Entry: Codable, Sendable, Equatable {
        case every
        case value(Int)

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Int.self) { self = .value(value); return }
            let text = try container.decode(String.self)
            self = Int(text).map(Entry.value) ?? .every
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .every: try container.encode("*")
            case .value(let value): try container.encode(value)
            }
        }
    }

    /// A field's values as the API's list.
    public func entries(_ field: Field) -> [Entry] {
        switch self[field] {
        case .every: [.every]
        case .only(let values): values.map(Entry.value)
        }
    }

    /// A schedule from the API's lists (`"*"` anywhere in a list means every value).
    public init(entries: [Field: [Entry]]) throws(CJRError) {
        func values(_ field: Field) -> Values {
            let list = entries[field] ?? [.every]
            return list.contains(.every) ? .every : .list(list.compactMap { if case .value(let value) = $0 { value } else { nil } })
        }
        try self.init(minute: values(.minute), hour: values(.hour), dayOfMonth: values(.dayOfMonth), month: values(.month),
                      dayOfWeek: values(.dayOfWeek))
    }
}
