/// "Did you mean …?": the candidate closest to a misspelt word, if one is close enough to be
/// what was meant (same word in another case, a prefix of at least three letters, or a few
/// letters off).
public enum Suggestion {
    public static func closest(to input: String, among candidates: some Sequence<String>) -> String? {
        let word = input.lowercased()
        guard !word.isEmpty else { return nil }
        let all = Array(candidates).sorted() // ties go the same way every time
        if let same = all.first(where: { $0.lowercased() == word }) { return same }
        if word.count >= 3, let longer = all.first(where: { $0.lowercased().hasPrefix(word) }) { return longer }
        let allowed = max(1, min(3, word.count / 3))
        let scored = all.map { ($0, distance(word, $0.lowercased())) }.filter { $0.1 <= allowed }
        return scored.min { ($0.1, $0.0) < ($1.1, $1.0) }?.0
    }

    /// `"; did you mean 'x'?"`, or nothing.
    public static func phrase(for input: String, among candidates: some Sequence<String>) -> String {
        closest(to: input, among: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    /// Edit distance (insertions, deletions, substitutions, and swaps of two neighbours).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var rows = [Array(0...b.count), Array(repeating: 0, count: b.count + 1), Array(repeating: 0, count: b.count + 1)]
        for i in 1...a.count {
            let (previous, current) = ((i - 1) % 3, i % 3)
            rows[current][0] = i
            for j in 1...b.count {
                var best = min(rows[previous][j] + 1, rows[current][j - 1] + 1, rows[previous][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { best = min(best, rows[(i - 2) % 3][j - 2] + 1) }
                rows[current][j] = best
            }
        }
        return rows[a.count % 3][b.count]
    }
}
