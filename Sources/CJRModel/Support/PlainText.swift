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

    /// With exactly `decimals` digits after the point, as `%.Nf` writes it (ties rounded
    /// away from zero).
    public func text(decimals: Int) -> String {
        guard isFinite else { return String(self) }
        var scale = 1.0
        for _ in 0..<max(decimals, 0) { scale *= 10 }
        let scaled = (abs(self) * scale).rounded()
        guard scaled < 9e15 else { return String(self) }
        let units = Int64(scaled)
        let whole = String(units / Int64(scale))
        let sign = self.sign == .minus ? "-" : ""
        guard decimals > 0 else { return sign + whole }
        let fraction = String(units % Int64(scale))
        return sign + whole + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
}

extension StringProtocol {
    /// Without leading and trailing white space, newlines included.
    public var trimmed: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
