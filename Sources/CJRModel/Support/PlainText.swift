// Numbers and trimmed text as cjr writes them, in plain Swift. Foundation's versions go
// through ICU (`formatted()`), CoreFoundation (`String(format:)`) or NSString
// (`trimmingCharacters(in:)`) on Linux, each costing a run's path a few hundred
// microseconds the first time (BENCHMARKS.md, `cjr run`).

extension Double {
    /// `2`, `0.5`, `1.25`: no grouping, no locale, no trailing `.0`.
    public var plainText: String {
        if rounded() == self, abs(self) < 1e15 { return String(Int64(self)) }
        return String(self)
    }

    /// With exactly `decimals` digits after the point, as `%.Nf` writes it: the exact
    /// binary value rounded, a tie (`0.125` to two places) to the even digit.
    public func text(decimals: Int) -> String {
        precondition((0...15).contains(decimals), "text(decimals:) writes 0 to 15 decimals")
        guard isFinite else { return String(self) }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 } // exact: powers of ten up to 1e15 are doubles
        let magnitude = abs(self)
        let product = magnitude * scale
        guard product < 4e15 else { return String(self) } // past the digits a double has: rare enough to leave
        // The product is rounded; `error` is what it lost (exactly, by a fused multiply-add).
        // It decides only a product that landed on a half: below 4e15 any other fraction is
        // at least a unit in the last place from one, more than the error can move it.
        let error = (-product).addingProduct(magnitude, scale)
        var units = product.rounded(.down)
        let fraction = product - units
        if fraction > 0.5 || (fraction == 0.5 && (error > 0 || (error == 0 && units.truncatingRemainder(dividingBy: 2) == 1))) {
            units += 1
        }
        let whole = Int64(units)
        let divisor = Int64(scale)
        let sign = self.sign == .minus ? "-" : ""
        guard decimals > 0 else { return sign + String(whole) }
        let digits = String(whole % divisor)
        return sign + String(whole / divisor) + "." + String(repeating: "0", count: decimals - digits.count) + digits
    }
}

extension StringProtocol {
    /// Without leading and trailing white space, newlines included.
    public var trimmed: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
