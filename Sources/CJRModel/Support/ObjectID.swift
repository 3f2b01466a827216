/// Identifiers shaped like the platform's: 24 lowercase hex digits (a 4-byte big-endian
/// timestamp in seconds followed by 8 random bytes), so clients that pattern-match ids,
/// and people who read them, see what they are used to.
public enum ObjectID {
    public static func make(now: Double = currentUnixTime()) -> String {
        var bytes = [UInt8](repeating: 0, count: 12)
        let seconds = UInt32(truncatingIfNeeded: Int64(now))
        bytes[0] = UInt8(truncatingIfNeeded: seconds >> 24)
        bytes[1] = UInt8(truncatingIfNeeded: seconds >> 16)
        bytes[2] = UInt8(truncatingIfNeeded: seconds >> 8)
        bytes[3] = UInt8(truncatingIfNeeded: seconds)
        // One 64-bit draw (one getrandom call), not eight one-byte ones.
        var generator = SystemRandomNumberGenerator()
        let random = generator.next()
        for index in 4..<12 { bytes[index] = UInt8(truncatingIfNeeded: random >> (8 * UInt64(index - 4))) }
        return hex(bytes)
    }

    /// Whether `text` has the shape of an id; anything else cannot name a resource.
    public static func isWellFormed(_ text: some StringProtocol) -> Bool {
        text.utf8.count == 24 && text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
