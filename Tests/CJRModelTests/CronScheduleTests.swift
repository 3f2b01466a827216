import Foundation
import Testing
@testable import CJRModel

/// The schedule evaluator against a table of cases: steps, month ends, leap years, cron's
/// day-of-month/day-of-week rule, and daylight-saving gaps and overlaps in several zones.
@Suite("Cron schedules: validation, text and next firing")
struct CronScheduleTests {
    static func seconds(_ iso: String) -> Int64 {
        Int64(ISO8601DateFormatter().date(from: iso)!.timeIntervalSince1970)
    }

    static func iso(_ seconds: Int64) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var cron: String
        var zone: String
        var after: String
        var expected: [String]
        var note: String
        var testDescription: String { "\(cron) in \(zone) after \(after): \(note)" }
    }

    static let cases: [Case] = [
        Case(cron: "*/5 * * * *", zone: "UTC", after: "2026-11-30T17:02:10Z", expected: ["2026-11-30T17:05:00Z", "2026-11-30T17:10:00Z"],
             note: "steps; strictly after"),
        Case(cron: "* * * * *", zone: "UTC", after: "2026-12-31T23:59:00Z", expected: ["2027-01-01T00:00:00Z"], note: "across a year end"),
        Case(cron: "0 0 31 * *", zone: "UTC", after: "2026-01-31T01:00:00Z", expected: ["2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z"],
             note: "months without a 31st are skipped"),
        Case(cron: "0 12 29 2 *", zone: "UTC", after: "2026-03-01T00:00:00Z", expected: ["2028-02-29T12:00:00Z", "2032-02-29T12:00:00Z"],
             note: "29 February in leap years only"),
        Case(cron: "0 12 29 2 *", zone: "UTC", after: "2096-03-01T00:00:00Z", expected: ["2104-02-29T12:00:00Z"],
             note: "2100 is not a leap year"),
        Case(cron: "0 0 13 * 5", zone: "UTC", after: "2026-11-30T00:00:00Z", expected: ["2026-12-04T00:00:00Z", "2026-12-11T00:00:00Z", "2026-12-13T00:00:00Z"],
             note: "both days restricted: the 13th or a Friday"),
        Case(cron: "0 0 13 * *", zone: "UTC", after: "2026-11-30T00:00:00Z", expected: ["2026-12-13T00:00:00Z", "2027-01-13T00:00:00Z"],
             note: "only the day of the month"),
        Case(cron: "0 9 * * 1-5", zone: "UTC", after: "2026-12-05T10:00:00Z", expected: ["2026-12-07T09:00:00Z", "2026-12-08T09:00:00Z"],
             note: "weekdays only"),
        Case(cron: "0 0 * * 7", zone: "UTC", after: "2026-12-01T00:00:00Z", expected: ["2026-12-06T00:00:00Z"], note: "7 is Sunday"),
        Case(cron: "15 10 * * *", zone: "Asia/Kolkata", after: "2026-11-30T00:00:00Z", expected: ["2026-11-30T04:45:00Z"],
             note: "a half-hour offset"),
        Case(cron: "30 2 * * *", zone: "America/New_York", after: "2026-03-07T12:00:00Z",
             expected: ["2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z"],
             note: "02:30 does not exist on the spring-forward day: once, at 03:30 EDT"),
        Case(cron: "30 1 * * *", zone: "America/New_York", after: "2026-10-31T12:00:00Z",
             expected: ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"],
             note: "01:30 happens twice on the fall-back day: once, at the first"),
        Case(cron: "30 2 * * *", zone: "America/New_York", after: "2026-10-31T12:00:00Z",
             expected: ["2026-11-01T07:30:00Z", "2026-11-02T07:30:00Z"], note: "02:30 on the fall-back day happens once"),
        Case(cron: "0 * * * *", zone: "America/New_York", after: "2026-11-01T05:00:00Z",
             expected: ["2026-11-01T07:00:00Z", "2026-11-01T08:00:00Z"], note: "hourly: the repeated 01:00 does not fire again"),
        Case(cron: "*/20 2 * * *", zone: "America/New_York", after: "2026-03-08T06:00:00Z",
             expected: ["2026-03-08T07:00:00Z", "2026-03-08T07:20:00Z", "2026-03-08T07:40:00Z", "2026-03-09T06:00:00Z"],
             note: "every minute of a skipped hour shifts by the gap"),
        Case(cron: "30 2 * * *", zone: "Europe/Berlin", after: "2026-03-28T12:00:00Z", expected: ["2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"],
             note: "spring forward in Europe"),
        Case(cron: "30 0 * * *", zone: "America/Santiago", after: "2026-09-05T12:00:00Z", expected: ["2026-09-06T04:30:00Z", "2026-09-07T03:30:00Z"],
             note: "a gap at midnight"),
        Case(cron: "30 23 * * *", zone: "America/Santiago", after: "2026-04-04T12:00:00Z", expected: ["2026-04-05T02:30:00Z", "2026-04-06T03:30:00Z"],
             note: "an overlap just before midnight: the first 23:30"),
        Case(cron: "0 0 1 1 *", zone: "Pacific/Kiritimati", after: "2026-06-01T00:00:00Z", expected: ["2026-12-31T10:00:00Z"],
             note: "UTC+14"),
    ]

    @Test("next firings", arguments: cases)
    func nextFirings(_ entry: Case) throws {
        let schedule = try CronText.parse(entry.cron)
        let zone = try #require(TimeZone(identifier: entry.zone))
        var after = Self.seconds(entry.after)
        var got: [String] = []
        for _ in entry.expected {
            let next = try #require(schedule.next(after: after, in: zone))
            got.append(Self.iso(next))
            after = next
        }
        #expect(got == entry.expected)
    }

    @Test("a daily 01:30 in New York for a year, both DST changes included: every day once, at 01:30 wall time")
    func aYearOfDailyFirings() throws {
        let schedule = try CronText.parse("30 1 * * *")
        let zone = try #require(TimeZone(identifier: "America/New_York"))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var after = Self.seconds("2026-01-01T00:00:00Z")
        var days = Set<String>()
        for _ in 0..<365 {
            let next = try #require(schedule.next(after: after, in: zone))
            #expect(next > after)
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: Date(timeIntervalSince1970: TimeInterval(next)))
            #expect(parts.hour == 1 && parts.minute == 30, "\(Self.iso(next))")
            days.insert("\(parts.year!)-\(parts.month!)-\(parts.day!)")
            after = next
        }
        #expect(days.count == 365)
    }

    @Test("the civil calendar agrees with Foundation's from 1614 to 2380 (Foundation turns Julian before 1582)")
    func civilDates() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for day in stride(from: Int64(-130_000), through: 150_000, by: 97) {
            let date = CivilDate(daysSinceEpoch: day)
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: Date(timeIntervalSince1970: TimeInterval(day * 86_400)))
            let expected: [Int] = [parts.year!, parts.month!, parts.day!, parts.weekday! - 1]
            #expect([date.year, date.month, date.day, date.weekday] == expected, "day \(day)")
        }
    }

    @Test("lists are checked: ranges, empty lists, and dates that never happen", arguments: [
        ("60 * * * *", "schedule.minute: '60' is not in 0–59"),
        ("* 24 * * *", "schedule.hour: '24' is not in 0–23"),
        ("* * 0 * *", "schedule.dayOfMonth: '0' is not in 1–31"),
        ("* * * 13 *", "schedule.month: '13' is not in 1–12"),
        ("* * * * 8", "schedule.dayOfWeek: '8' is not in 0–7"),
        ("* * 30,31 2 *", "schedule.dayOfMonth: can never fire: no month in [2] has day 30 or 31"),
        ("0 0 31 4,6,9,11 *", "schedule.dayOfMonth: can never fire"),
        ("* * * *", "has 4 fields"),
        ("*/0 * * * *", "schedule.minute: step '0' must be a whole number of at least 1"),
        ("5-1 * * * *", "schedule.minute: range '5-1' runs backwards"),
        ("1,,2 * * * *", "schedule.minute: '' is not a value"),
        ("@fortnightly", "unknown macro"),
    ])
    func invalid(text: String, message: String) {
        #expect {
            try CronText.parse(text)
        } throws: { error in
            ((error as? CJRError)?.message ?? "\(error)").contains(message)
        }
    }

    @Test("lists from the API: empty, out of range, and impossible dates are refused; 29 February and either-day rules are not")
    func apiLists() throws {
        func make(_ dom: CronSchedule.Values, _ month: CronSchedule.Values, _ dow: CronSchedule.Values = .every,
                  minute: CronSchedule.Values = .list([0])) throws -> CronSchedule {
            try CronSchedule(minute: minute, hour: .every, dayOfMonth: dom, month: month, dayOfWeek: dow)
        }
        #expect(throws: CJRError.invalid("schedule.minute", "must not be empty: list values in 0–59, or [\"*\"] for every one")) {
            try make(.every, .every, minute: .list([]))
        }
        #expect(throws: CJRError.invalid("schedule.dayOfWeek", "7 is out of range: values are 0–6 (0 is Sunday)")) {
            try make(.every, .every, .list([7]))
        }
        #expect(throws: CJRError.self) { try make(.list([31]), .list([2, 4])) }
        _ = try make(.list([29]), .list([2]))
        _ = try make(.list([31]), .list([2]), .list([1])) // Mondays in February fire
        #expect(try make(.list([3, 1, 3]), .every).dayOfMonth == .only([1, 3]))
    }

    @Test("cron text: names, macros, steps and ranges become lists; lists print back compactly", arguments: [
        ("*/15 9-17 * * MON-FRI", "*/15 9-17 * * 1-5"),
        ("0 0 1 jan,jul *", "0 0 1 1,7 *"),
        ("@hourly", "0 * * * *"),
        ("@weekly", "0 0 * * 0"),
        ("5/20 * * * *", "5,25,45 * * * *"),
        ("0 0 * * 1-7", "0 0 * * 0-6"),
        ("0,1,2,3,10 */6 * * *", "0-3,10 */6 * * *"),
        ("0 0 1-31/2 * *", "0 0 */2 * *"),
        ("0 0 2-31/2 * *", "0 0 2,4,6,8,10,12,14,16,18,20,22,24,26,28,30 * *"),
    ])
    func text(input: String, formatted: String) throws {
        let schedule = try CronText.parse(input)
        #expect(CronText.format(schedule) == formatted)
        #expect(try CronText.parse(CronText.format(schedule)) == schedule)
    }
}
