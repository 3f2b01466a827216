import Foundation
import Testing
import CJRModel

@Suite("Numbers and trimmed text written without Foundation's formatters")
struct PlainTextTests {
    @Test("plainText says a number as formatted() does, without grouping", arguments: [
        (2.0, "2"), (0.5, "0.5"), (1.25, "1.25"), (0.0, "0"), (-3.0, "-3"), (4_096.0, "4096"), (0.1, "0.1"), (1e20, "1e+20"),
    ])
    func plainText(value: Double, text: String) {
        #expect(value.plainText == text)
        if abs(value) < 1_000 { #expect(value.plainText == value.formatted(.number.locale(Locale(identifier: "en_US_POSIX")))) }
    }

    @Test("text(decimals:) writes what %.Nf writes, ties included")
    func decimals() {
        // Every duration a run can have (whole microseconds) up to 2 s, to two places as
        // `cjr run` and `cjr runs` say it: 0.015 is 0.01 (its double is below the half),
        // 0.125 is 0.12 (a tie, to even).
        for micros in stride(from: 0, through: 2_000_000, by: 1) where micros % 7 == 0 || micros % 5_000 == 0 {
            let seconds = Double(micros) / 1_000_000
            #expect(seconds.text(decimals: 2) == String(format: "%.2f", seconds), "\(seconds)")
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let value = Double.random(in: -100_000...100_000, using: &generator) / Double([1, 8, 10, 1_000, 100_000].randomElement(using: &generator)!)
            for decimals in 0...4 {
                #expect(value.text(decimals: decimals) == String(format: "%.\(decimals)f", value), "\(value), \(decimals)")
            }
        }
        for (value, decimals, text) in [(0.125, 2, "0.12"), (0.375, 2, "0.38"), (0.015, 2, "0.01"), (2.5, 0, "2"), (3.5, 0, "4"),
                                        (0.0, 2, "0.00"), (12.0, 0, "12"), (-0.001, 2, "-0.00"), (Double.infinity, 2, "inf")] {
            #expect(value.text(decimals: decimals) == text, "\(value), \(decimals)")
            if value.isFinite { #expect(String(format: "%.\(decimals)f", value) == text) }
        }
    }

    @Test("trimmed drops leading and trailing white space (newlines and no-break spaces too), nothing else", arguments: [
        ("  4194304\n", "4194304"), ("\t a b \r\n", "a b"), ("", ""), (" \n\t ", ""), ("x", "x"), ("é \u{00A0}", "é"),
    ])
    func trimmed(text: String, expected: String) {
        #expect(text.trimmed == expected)
        #expect(text.trimmed == text.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(text[...].trimmed == expected)
    }
}
