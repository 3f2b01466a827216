import Foundation

extension CronSchedule {
    /// The first minute after `instant` (Unix seconds) at which the schedule fires, read
    /// in `timeZone`'s wall-clock time; nil only for a schedule with no date in the next
    /// nine years (validation refuses those).
    ///
    /// Daylight-saving changes, as `java.time` and most schedulers treat them:
    /// - a wall time the clocks skip (02:30 on the spring-forward day) fires once, shifted
    ///   forward by the length of the gap (03:30);
    /// - a wall time that happens twice (01:30 on the fall-back day) fires once, at its
    ///   first occurrence.
    public func next(after instant: Int64, in timeZone: TimeZone) -> Int64? {
        let zone = ZoneOffsets(timeZone)
        // The day of `instant`'s wall time, and one before: a shifted time may land after it.
        let firstDay = Self.floorDiv(instant + Int64(zone.offset(at: instant)), 86_400) - 1
        let hours = hour.expanded(in: Field.hour.range), minutes = minute.expanded(in: Field.minute.range)
        for day in firstDay...(firstDay + 366 * 9) {
            let date = CivilDate(daysSinceEpoch: day)
            guard firesOn(month: date.month, day: date.day, weekday: date.weekday) else { continue }
            let midnight = day * 86_400
            let before = zone.offset(at: midnight - 50_400), after = zone.offset(at: midnight + 86_400 + 50_400)
            if before == after {
                // No change of offset near this day: wall order is time order.
                for hour in hours {
                    for minute in minutes {
                        let candidate = midnight + Int64(hour * 3_600 + minute * 60) - Int64(before)
                        if candidate > instant { return candidate }
                    }
                }
            } else {
                var best: Int64?
                for hour in hours {
                    for minute in minutes {
                        let candidate = zone.instant(ofWall: midnight + Int64(hour * 3_600 + minute * 60), before: before, after: after)
                        if candidate > instant, candidate < best ?? .max { best = candidate }
                    }
                }
                if let best { return best }
            }
        }
        return nil
    }

    static func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }
}

/// UTC offsets of a time zone, in seconds east of UTC.
private struct ZoneOffsets {
    let zone: TimeZone

    init(_ zone: TimeZone) { self.zone = zone }

    func offset(at instant: Int64) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant)))
    }

    /// The instant a wall time (seconds since the epoch, read as UTC) names, on a day whose
    /// offset changes from `before` to `after`: its first occurrence when it happens twice,
    /// shifted forward by the gap when it does not happen at all.
    func instant(ofWall wall: Int64, before: Int, after: Int) -> Int64 {
        let valid = [before, after].map { wall - Int64($0) }.filter { offset(at: $0) == Int(wall - $0) }
        return valid.min() ?? wall - Int64(before)
    }
}

/// A proleptic Gregorian date from a count of days since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`), with its weekday (0 Sunday).
struct CivilDate: Equatable {
    var year: Int
    var month: Int
    var day: Int
    var weekday: Int

    init(daysSinceEpoch days: Int64) {
        let shifted = days + 719_468
        let era = CronSchedule.floorDiv(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        year = Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0))
        weekday = Int(((days % 7) + 11) % 7) // 1970-01-01 was a Thursday (4)
    }
}
