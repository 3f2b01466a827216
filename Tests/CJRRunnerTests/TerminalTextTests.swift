import Testing
@testable import CJRRunner

/// What the log keeps of a terminal's output: the text without escape sequences, whole
/// sequences removed even when split across pieces.
@Suite("Terminal output as plain text")
struct TerminalTextTests {
    static func plain(_ pieces: [String]) -> String {
        var filter = TerminalText()
        return String(decoding: pieces.flatMap { filter.plain(Array($0.utf8)) }, as: UTF8.self)
    }

    @Test("colours, cursor moves, titles and two-byte escapes go; text, tabs, CR and LF stay")
    func sequences() {
        #expect(Self.plain(["\u{1B}[1;31mred\u{1B}[0m\tplain\r\n"]) == "red\tplain\r\n")
        #expect(Self.plain(["\u{1B}]0;a title\u{07}after\n", "\u{1B}]8;;http://x\u{1B}\\link\u{1B}]8;;\u{1B}\\\n"]) == "after\nlink\n")
        #expect(Self.plain(["\u{1B}7saved\u{1B}8 \u{1B}[2K\u{1B}[1Gprogress 50%\r"]) == "saved progress 50%\r")
        #expect(Self.plain(["naïve ✓ 日本\n"]) == "naïve ✓ 日本\n", "UTF-8 untouched")
    }

    @Test("a sequence split at any byte is still removed whole")
    func splitAnywhere() {
        let text = "a\u{1B}[38;5;208mb\u{1B}]2;t\u{1B}\\c\u{1B}(Bd"
        let bytes = Array(text.utf8)
        for cut in 1..<bytes.count {
            var filter = TerminalText()
            let out = filter.plain(Array(bytes[..<cut])) + filter.plain(Array(bytes[cut...]))
            #expect(String(decoding: out, as: UTF8.self) == "abcd", "cut \(cut)")
        }
    }
}
