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
        if abs(value) < 1_000 { #expect(value.plainText == value.formatted()) }
    }

    @Test("text(decimals:) writes what %.Nf writes")
    func decimals() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let value = Double.random(in: -100_000...100_000, using: &generator) / Double([1, 10, 1_000, 100_000].randomElement(using: &generator)!)
            for decimals in 0...3 {
                // Exact ties (x.5 in the last place) are rounded differently by printf (to even
                // on the exact binary value); they are tested apart below.
                let scaled = abs(value) * pow(10, Double(decimals))
                guard abs(scaled - scaled.rounded(.down) - 0.5) > 1e-6 else { continue }
                #expect(value.text(decimals: decimals) == String(format: "%.\(decimals)f", value), "\(value), \(decimals)")
            }
        }
        #expect(0.0.text(decimals: 2) == "0.00")
        #expect(12.0.text(decimals: 0) == "12")
        #expect(0.125.text(decimals: 2) == "0.13")
        #expect((-0.001).text(decimals: 2) == "-0.00")
        #expect(Double.infinity.text(decimals: 2) == "inf")
    }

    @Test("trimmed drops leading and trailing spaces, tabs and newlines only", arguments: [
        ("  4194304\n", "4194304"), ("\t a b \r\n", "a b"), ("", ""), (" \n\t ", ""), ("x", "x"), ("é \u{00A0}", "é"),
    ])
    func trimmed(text: String, expected: String) {
        #expect(text.trimmed == expected)
        #expect(text.trimmed == text.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(text[...].trimmed == expected)
    }
}
