import Foundation

/// `.cjrignore`: which files of a job folder are not uploaded, in gitignore's syntax (the
/// common part): one pattern per line, `#` comments, `*` and `?` within a path segment,
/// `**` across segments, a trailing `/` for directories only, a leading `/` (or any `/`
/// inside) anchoring to the folder, `!` re-including; the last matching line wins.
public struct IgnoreRules: Sendable, Equatable {
    public static let fileName = ".cjrignore"

    struct Rule: Sendable, Equatable {
        var segments: [String]
        var anchored: Bool
        var directoryOnly: Bool
        var negated: Bool
    }

    var rules: [Rule] = []

    public init() {}

    public init(text: String) {
        for raw in text.split(whereSeparator: \.isNewline) {
            var line = String(raw)
            while line.hasSuffix(" ") && !line.hasSuffix("\\ ") { line.removeLast() }
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            var rule = Rule(segments: [], anchored: false, directoryOnly: false, negated: false)
            if line.hasPrefix("!") { rule.negated = true; line.removeFirst() }
            // `\#` and `\!` start a pattern with those characters; other escapes are fnmatch's.
            if line.hasPrefix("\\#") || line.hasPrefix("\\!") { line.removeFirst() }
            if line.hasSuffix("/") { rule.directoryOnly = true; line.removeLast() }
            if line.hasPrefix("/") { rule.anchored = true; line.removeFirst() }
            if line.contains("/") { rule.anchored = true }
            rule.segments = line.split(separator: "/").map(String.init)
            if !rule.segments.isEmpty { rules.append(rule) }
        }
    }

    /// The rules of `folder/.cjrignore`, or none.
    public static func load(from folder: URL) -> IgnoreRules {
        guard let text = try? String(contentsOf: folder.appendingPathComponent(fileName), encoding: .utf8) else { return IgnoreRules() }
        return IgnoreRules(text: text)
    }

    public var isEmpty: Bool { rules.isEmpty }

    /// Whether `path` (relative, `/`-separated) is ignored, itself or through a directory
    /// it is in.
    public func ignores(_ path: String, isDirectory: Bool = false) -> Bool {
        let parts = path.split(separator: "/").map(String.init)
        // A directory that is ignored takes its contents with it (as in git, they cannot
        // be re-included).
        for depth in 1..<max(1, parts.count) where decision(Array(parts[..<depth]), isDirectory: true) == true {
            return true
        }
        return decision(parts, isDirectory: isDirectory) ?? false
    }

    /// The last matching rule's verdict for exactly this path, or nil when none matches.
    private func decision(_ parts: [String], isDirectory: Bool) -> Bool? {
        var verdict: Bool?
        for rule in rules where !rule.directoryOnly || isDirectory {
            let matched = rule.anchored ? Self.match(rule.segments[...], parts[...])
                : rule.segments.count == 1 && parts.last.map { Self.glob(rule.segments[0], $0) } == true
            if matched { verdict = !rule.negated }
        }
        return verdict
    }

    private static func match(_ pattern: ArraySlice<String>, _ path: ArraySlice<String>) -> Bool {
        guard let first = pattern.first else { return path.isEmpty }
        if first == "**" {
            let rest = pattern.dropFirst()
            // A trailing `**` matches what is inside, not the folder itself (`foo/**`).
            if rest.isEmpty { return !path.isEmpty }
            return (0...path.count).contains { match(rest, path.dropFirst($0)) }
        }
        guard let segment = path.first, glob(first, segment) else { return false }
        return match(pattern.dropFirst(), path.dropFirst())
    }

    /// `*` and `?` within one segment (never matching `/`), `[…]` classes as fnmatch has them.
    static func glob(_ pattern: String, _ name: String) -> Bool {
        fnmatch(pattern, name, 0) == 0
    }
}
