import Foundation

/// What `cjr-launch` writes to its `--status-file` when it exits: one line, `exit N`,
/// `signal N` or `setup N` (see sandbox/README.md, "Exit codes"), over the blanks cjr
/// put there beforehand (so it needs no new space), or into a new file. The launcher writes it
/// in C (`write_status` in launcher.c); this is the one place it is read, and a test runs
/// the launcher into every case and reads it back.
enum LauncherStatus: Equatable, Sendable {
    /// The entry point exited with this code.
    case exited(Int)
    /// A signal ended the entry point.
    case signaled(Int)
    /// The launcher could not set the entry point's sandbox up (namespaces, view, identity,
    /// cgroup, filter); the entry point never ran.
    case setupFailed

    init?(line: String) {
        let parts = line.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, let number = Int(parts[1]) else { return nil }
        switch parts[0] {
        case "exit": self = .exited(number)
        case "signal": self = .signaled(number)
        case "setup": self = .setupFailed
        default: return nil
        }
    }

    init?(file: URL) {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        self.init(line: text)
    }
}
