extension Int {
    /// 1st, 2nd, 3rd, 4th, …, 11th, 12th, 13th, …, 21st: a place in line.
    public var ordinal: String {
        let suffix = (11...13).contains(self % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][self % 10] ?? "th"
        return "\(self)\(suffix)"
    }
}
