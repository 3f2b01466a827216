import Foundation
import Testing
import CJRModel

@Suite("Identifiers, timestamps and pages")
struct SupportTests {
    @Test("ids are 24 lowercase hex digits, start with the creation time and do not repeat")
    func objectIDs() {
        let ids = (0..<1_000).map { _ in ObjectID.make(now: 1_700_000_000) }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy(ObjectID.isWellFormed))
        #expect(ids.allSatisfy { $0.hasPrefix("6553f100") })
        #expect(!ObjectID.isWellFormed("6553F100aaaaaaaaaaaaaaaa"))
        #expect(!ObjectID.isWellFormed("abc"))
    }

    @Test("timestamps print as ISO-8601 UTC with microseconds", arguments: [
        (Int64(0), "1970-01-01T00:00:00.000000Z"),
        (Int64(1_700_000_000_123_456), "2023-11-14T22:13:20.123456Z"),
        (Int64(-1), "1969-12-31T23:59:59.999999Z"),
        (Int64(1_709_164_800_000_001), "2024-02-29T00:00:00.000001Z"),
        (Int64(253_402_300_799_999_999), "9999-12-31T23:59:59.999999Z"),
        (Int64(253_402_300_800_000_000), "10000-01-01T00:00:00.000000Z"),
        (Int64(-62_167_219_200_000_000), "0000-01-01T00:00:00.000000Z"),
    ])
    func timestamps(micros: Int64, text: String) {
        #expect(Timestamp(microseconds: micros).iso8601 == text)
    }

    @Test("timestamps across four centuries print as the calendar says")
    func timestampSweep() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let micros = Int64.random(in: -2_208_988_800_000_000...7_258_118_400_000_000, using: &generator) // 1900 to 2200
            let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            let expected = String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!,
                                  parts.second!, Int(micros - seconds * 1_000_000))
            #expect(Timestamp(microseconds: micros).iso8601 == expected)
        }
    }

    @Test("page requests take defaults and refuse out-of-range values")
    func pageRequests() throws {
        #expect(try PageRequest(offset: nil, limit: nil) == PageRequest(offset: 0, limit: 100))
        #expect(try PageRequest(offset: "5", limit: "1000") == PageRequest(offset: 5, limit: 1_000))
        #expect(try PageRequest(offset: "392824639233343788941312", limit: nil).offset == Int(Int32.max), "past the end, not an error")
        for (offset, limit) in [("-1", "1"), ("0", "0"), ("0", "1001"), ("a", "1"), ("0", "")] {
            #expect(throws: CJRError.self) { try PageRequest(offset: offset, limit: limit) }
        }
        let page = Page(items: [1, 2], totalCount: 5, request: PageRequest(offset: 2, limit: 2))
        #expect(page.hasNext && page.hasPrevious)
    }

    @Test("places in line read as English ordinals")
    func ordinals() {
        #expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111, 112].map(\.ordinal)
                == ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st", "111th", "112th"])
    }
}
