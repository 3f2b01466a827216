import Foundation

/// Seconds since the Unix epoch, read from the wall clock.
public func currentUnixTime() -> Double {
    Date().timeIntervalSince1970
}

/// Timestamps are kept as integer microseconds since the epoch (exact, sortable, cheap to
/// store) and shown as ISO-8601 UTC with microseconds, as the platform does.
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    public static func now() -> Timestamp {
        Timestamp(microseconds: Int64((currentUnixTime() * 1_000_000).rounded()))
    }

    public var seconds: Double { Double(microseconds) / 1_000_000 }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds < rhs.microseconds }

    /// `2026-11-29T04:30:46.123456Z`
    public var iso8601: String {
        var secs = microseconds / 1_000_000
        var micros = microseconds % 1_000_000
        if micros < 0 { micros += 1_000_000; secs -= 1 }
        var time = time_t(secs)
        var parts = tm()
        gmtime_r(&time, &parts)
        let year = parts.tm_year + 1900
        if (0...9999).contains(year) {
            // Every run, item and job in a response carries a few: digits straight into 27 bytes.
            return String(unsafeUninitializedCapacity: 27) { buffer in
                func put(_ value: Int, _ width: Int, at end: Int) {
                    var value = value
                    for index in stride(from: end - 1, through: end - width, by: -1) {
                        buffer[index] = UInt8(ascii: "0") + UInt8(value % 10)
                        value /= 10
                    }
                }
                put(Int(year), 4, at: 4)
                put(Int(parts.tm_mon) + 1, 2, at: 7)
                put(Int(parts.tm_mday), 2, at: 10)
                put(Int(parts.tm_hour), 2, at: 13)
                put(Int(parts.tm_min), 2, at: 16)
                put(Int(parts.tm_sec), 2, at: 19)
                put(Int(micros), 6, at: 26)
                (buffer[4], buffer[7], buffer[10]) = (UInt8(ascii: "-"), UInt8(ascii: "-"), UInt8(ascii: "T"))
                (buffer[13], buffer[16], buffer[19], buffer[26]) = (UInt8(ascii: ":"), UInt8(ascii: ":"), UInt8(ascii: "."), UInt8(ascii: "Z"))
                return 27
            }
        }
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let date = "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
        let clock = "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))"
        return "\(date)T\(clock).\(pad(Int32(micros), 6))Z"
    }

    public var description: String { iso8601 }

    public init(from decoder: any Decoder) throws {
        microseconds = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(microseconds)
    }
}
