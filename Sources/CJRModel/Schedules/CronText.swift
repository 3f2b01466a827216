import Foundation

/// Cron's five-field text (`*/5 * * * *`), turned into a ``CronSchedule`` and back: what
/// the CLI accepts and shows, while the API speaks lists.
///
/// Each field is a comma-separated list of `*`, `N`, `A-B`, and any of those followed by
/// `/STEP` (`N/STEP` runs from N to the field's end); months and weekdays also by
/// three-letter name (`JAN`, `MON`), and weekday 7 is Sunday as 0 is. The macros
/// `@yearly` (`@annually`), `@monthly`, `@weekly`, `@daily` (`@midnight`) and `@hourly`
/// stand for their usual fields.
public enum CronText {
    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let weekdayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// The schedule `text` describes; errors name the field and say what is wrong.
    public static func parse(_ text: String) throws(CJRError) -> CronSchedule {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let expanded = trimmed.hasPrefix("@") ? macros[trimmed.lowercased()] : trimmed
        guard let expanded else {
            throw CJRError.invalid("schedule", "unknown macro '\(trimmed)'; known: \(macros.keys.sorted().joined(separator: ", "))")
        }
        let parts = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 5 else {
            throw CJRError.invalid("schedule", "'\(text)' has \(parts.count) field\(parts.count == 1 ? "" : "s"); cron text has five: "
                                   + "minute hour day-of-month month day-of-week, e.g. '*/5 * * * *'")
        }
        var values: [CronSchedule.Values] = []
        for (field, part) in zip(CronSchedule.Field.allCases, parts) {
            values.append(try self.values(part, field: field))
        }
        return try CronSchedule(minute: values[0], hour: values[1], dayOfMonth: values[2], month: values[3], dayOfWeek: values[4])
    }

    /// The schedule as cron text: ranges and steps where the lists allow.
    public static func format(_ schedule: CronSchedule) -> String {
        CronSchedule.Field.allCases.map { field in
            switch schedule[field] {
            case .every: "*"
            case .only(let values): format(values, range: field.range)
            }
        }.joined(separator: " ")
    }

    private static func values(_ text: String, field: CronSchedule.Field) throws(CJRError) -> CronSchedule.Values {
        let name = "schedule.\(field.rawValue)"
        if text == "*" { return .every }
        var result: [Int] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard pieces.count <= 2, !item.isEmpty else { throw CJRError.invalid(name, "'\(item)' is not a value, range or step") }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed >= 1 else {
                    throw CJRError.invalid(name, "step '\(pieces[1])' must be a whole number of at least 1")
                }
                step = parsed
            }
            let bounds: ClosedRange<Int>
            if pieces[0] == "*" {
                bounds = field.range
            } else if let dash = pieces[0].firstIndex(of: "-") {
                let low = try number(String(pieces[0][..<dash]), field: field), high = try number(String(pieces[0][pieces[0].index(after: dash)...]), field: field)
                guard low <= high else { throw CJRError.invalid(name, "range '\(pieces[0])' runs backwards") }
                bounds = low...high
            } else {
                let value = try number(pieces[0], field: field)
                bounds = value...(pieces.count == 2 ? field.range.upperBound : value)
            }
            result += stride(from: bounds.lowerBound, through: bounds.upperBound, by: step).map { field == .dayOfWeek && $0 == 7 ? 0 : $0 }
        }
        return .list(result)
    }

    private static func number(_ text: String, field: CronSchedule.Field) throws(CJRError) -> Int {
        let names = field == .month ? monthNames : field == .dayOfWeek ? weekdayNames : []
        if let index = names.firstIndex(of: text.uppercased()) { return index + field.range.lowerBound }
        // Weekday 7 is Sunday, as in every cron.
        let upper = field == .dayOfWeek ? 7 : field.range.upperBound
        guard let value = Int(text), (field.range.lowerBound...upper).contains(value) else {
            let named = names.isEmpty ? "" : " or a name (\(names.first!)…\(names.last!))"
            throw CJRError.invalid("schedule.\(field.rawValue)",
                                   "'\(text)' is not in \(field.range.lowerBound)–\(upper)\(named)")
        }
        return value
    }

    /// `[0, 15, 30, 45]` → `*/15`; `[1, 2, 3, 5]` → `1-3,5`.
    private static func format(_ values: [Int], range: ClosedRange<Int>) -> String {
        if values.count > 2, values.first == range.lowerBound {
            let step = values[1] - values[0]
            let progression = Array(stride(from: range.lowerBound, through: range.upperBound, by: step))
            if step > 1, values == progression { return "*/\(step)" }
        }
        var parts: [String] = []
        var index = values.startIndex
        while index < values.endIndex {
            var end = index
            while end + 1 < values.endIndex, values[end + 1] == values[end] + 1 { end += 1 }
            parts.append(end - index >= 2 ? "\(values[index])-\(values[end])" : (index...end).map { String(values[$0]) }.joined(separator: ","))
            index = end + 1
        }
        return parts.joined(separator: ",")
    }
}
