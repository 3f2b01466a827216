import CJRModel
import Foundation

/// The entry point: there, a non-empty file, and runnable the way cjr (and the platform)
/// will run it: a `.sh` file, or a file without a `#!` line, with bash; any other file by
/// its `#!` line.
struct EntryPointCheck {
    let root: URL
    let path: String
    let uploaded: [String]
    let required: Bool

    var diagnostics: [Diagnostic] {
        let url = root.appendingPathComponent(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            let hint = path == "run.sh" ? "add run.sh (bash, usually starting with cd \"$(dirname \"$0\")\"), or name another file with --entry-point"
                : "the entry point must be a file of the folder"
            return [Diagnostic(required ? .error : .warning, "", "no \(path): there is no entry point to run", hint: hint)]
        }
        guard !isDirectory.boolValue else { return [Diagnostic(.error, path, "the entry point is a folder, not a file")] }
        guard uploaded.contains(path) else {
            return [Diagnostic(.error, path, "the entry point would not be uploaded (it is ignored or not a regular file)",
                               hint: "remove it from \(".cjrignore") or make it a regular file")]
        }
        guard let data = FileManager.default.contents(atPath: url.path) else { return [Diagnostic(.error, path, "cannot be read")] }
        guard !data.isEmpty else { return [Diagnostic(.error, path, "the entry point is empty", hint: "a run would do nothing and succeed")] }
        let firstLine = String(decoding: data.prefix { $0 != 10 }, as: UTF8.self)
        let shebang = firstLine.hasPrefix("#!") ? firstLine.dropFirst(2).trimmed : nil
        let interpreter = shebang.map(Self.interpreter)
        var found: [Diagnostic] = []
        if path.hasSuffix(".sh"), let shebang, let interpreter, !Self.shells.contains(interpreter) {
            found.append(Diagnostic(.error, path, line: 1, column: 1,
                "starts with #!\(shebang), but a .sh entry point is run with bash, which ignores that line",
                hint: "name the \(interpreter) file as the entry point (e.g. main.py with its #! line), or make \(path) a bash script that runs it: \(interpreter) job.py"))
        } else if !path.hasSuffix(".sh"), shebang == nil, let language = Self.language(of: path) {
            found.append(Diagnostic(.error, path, line: 1, column: 1,
                "has no #! line, so it would run with bash, not \(language)",
                hint: "make its first line #!/usr/bin/env \(language), or use a run.sh that runs \(language) \(path)"))
        }
        let runsWithBash = path.hasSuffix(".sh") || shebang == nil || Self.shells.contains(interpreter ?? "")
        found += ShellScriptCheck.carriageReturns(in: data, file: path, severity: .error, everyLine: runsWithBash)
        return found
    }

    static let shells: Set = ["bash", "sh", "dash"]

    /// `/usr/bin/env python3 -u` → `python3`; `/usr/bin/env -S VAR=1 python3 -u` → `python3`;
    /// `/bin/bash` → `bash`.
    static func interpreter(of shebang: String) -> String {
        let words = shebang.split(whereSeparator: \.isWhitespace).map(String.init)
        let program = (words.first ?? "").split(separator: "/").last.map(String.init) ?? ""
        guard program == "env" else { return program }
        var rest = words.dropFirst()[...]
        while let word = rest.first {
            if ["-u", "--unset", "-C", "--chdir"].contains(word) { rest = rest.dropFirst(2); continue } // options with a value
            if word.hasPrefix("-") || word.contains("=") { rest = rest.dropFirst(); continue }
            return word.split(separator: "/").last.map(String.init) ?? word
        }
        return program
    }

    /// The interpreter a file's extension implies, for files bash would get wrong.
    static func language(of path: String) -> String? {
        switch (path as NSString).pathExtension.lowercased() {
        case "py": "python3"
        case "r": "Rscript"
        case "rb": "ruby"
        case "js": "node"
        case "pl": "perl"
        default: nil
        }
    }
}

/// Shell scripts with Windows line endings: bash reads `\r` as part of each word.
struct ShellScriptCheck {
    let root: URL
    let scripts: [String]

    var diagnostics: [Diagnostic] {
        scripts.flatMap { script in
            FileManager.default.contents(atPath: root.appendingPathComponent(script).path)
                .map { Self.carriageReturns(in: $0, file: script, severity: .warning, everyLine: true) } ?? []
        }
    }

    /// The first `\r\n` of `data` (of its first line only, unless `everyLine`), as one
    /// diagnostic naming the line and column.
    static func carriageReturns(in data: Data, file: String, severity: Diagnostic.Severity, everyLine: Bool) -> [Diagnostic] {
        let bytes = [UInt8](data)
        var line = 1, column = 1
        for index in bytes.indices {
            if bytes[index] == 13, index + 1 < bytes.count, bytes[index + 1] == 10 {
                return [Diagnostic(severity, file, line: line, column: column,
                    "has Windows line endings (\\r\\n); bash reads the \\r as part of each command",
                    hint: "convert it to Unix line endings: sed -i 's/\\r$//' \(file) (or set your editor to LF)")]
            }
            if bytes[index] == 10 {
                if !everyLine { break }
                (line, column) = (line + 1, 1)
            } else {
                column += 1
            }
        }
        return []
    }
}
