/// One finding of `cjr check`, printed the way compilers print theirs:
/// `path:line:col: error: what is wrong` and, under it, `  hint: how to fix it`.
public struct Diagnostic: Sendable, Equatable {
    public enum Severity: String, Sendable, Comparable {
        case warning
        case error

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .warning && rhs == .error }
    }

    public var severity: Severity
    /// The file, relative to the job folder; empty for the folder itself.
    public var file: String
    public var line: Int?
    public var column: Int?
    public var message: String
    public var hint: String?

    public init(_ severity: Severity, _ file: String, line: Int? = nil, column: Int? = nil, _ message: String, hint: String? = nil) {
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
    }

    /// The diagnostic with `folder` (as the user named it) in front of its file.
    public func rendered(folder: String) -> String {
        let base = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        var location = file.isEmpty ? base : "\(base)/\(file)"
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        return "\(location): \(severity.rawValue): \(message)" + (hint.map { "\n  hint: \($0)" } ?? "")
    }
}

/// What `cjr check` found in a folder.
public struct CheckReport: Sendable, Equatable {
    public var diagnostics: [Diagnostic]

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }

    /// Every diagnostic, then a count: `2 errors, 1 warning`.
    public func rendered(folder: String) -> String {
        let lines = diagnostics.map { $0.rendered(folder: folder) }
        func count(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        return (lines + [count(errors.count, "error") + ", " + count(warnings.count, "warning")]).joined(separator: "\n") + "\n"
    }
}
