import GRDB
import Testing
@testable import CJRStore

@Suite("JSON arrays for json_each")
struct JSONArrayTests {
    @Test("SQLite's json_each reads back every string and number exactly: quotes, backslashes, control characters, non-ASCII, empty, extremes")
    func roundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        var strings = ["", "plain", "\"quoted\"", "back\\slash", "a/b", "é 😀 \u{2028}", "\u{7f}"]
        // Not NUL: SQLite's text ends at the first (IDs and names never hold one).
        strings += (1..<0x20).map { String(UnicodeScalar(UInt8($0))) + "x" }
        for _ in 0..<200 {
            let length = Int.random(in: 0..<12, using: &generator)
            strings.append(String(String.UnicodeScalarView((0..<length).map { _ in
                UnicodeScalar(UInt32.random(in: 1..<0x80, using: &generator)).map(Character.init) ?? "?"
            }.flatMap(\.unicodeScalars))))
        }
        let numbers: [Int64] = [0, -1, 1, .min, .max] + (0..<50).map { _ in Int64.random(in: .min ... .max, using: &generator) }
        let queue = try DatabaseQueue()
        let (readStrings, readNumbers, readNone, valid) = try queue.read { db in
            (try String.fetchAll(db, sql: "SELECT value FROM json_each(?) ORDER BY key", arguments: [jsonArray(strings)]),
             try Int64.fetchAll(db, sql: "SELECT value FROM json_each(?) ORDER BY key", arguments: [jsonArray(numbers)]),
             try String.fetchAll(db, sql: "SELECT value FROM json_each(?)", arguments: [jsonArray([String]())]),
             try Int.fetchOne(db, sql: "SELECT json_valid(?)", arguments: [jsonArray(strings)]))
        }
        #expect(readStrings == strings)
        #expect(readNumbers == numbers)
        #expect(readNone.isEmpty && valid == 1)
    }
}
