import Foundation
import CJRStore

/// `<data-dir>/server`: the URL a running `cjr serve` listens on and its pid, so client
/// commands given `--data-dir` (or using the default one) find it without `--server`.
/// Written once the server listens, removed when it stops; one whose process is gone is
/// ignored.
enum ServerAddressFile {
    static func url(in directory: DataDirectory) -> URL { directory.root.appendingPathComponent("server") }

    static func write(url server: String, in directory: DataDirectory) {
        let file = url(in: directory)
        let staged = file.path + ".\(getpid())"
        guard FileManager.default.createFile(atPath: staged, contents: Data("\(server)\n\(getpid())\n".utf8),
                                             attributes: [.posixPermissions: 0o600]) else { return }
        rename(staged, file.path)
    }

    /// Removes the file if it is this process's.
    static func remove(in directory: DataDirectory) {
        let file = url(in: directory)
        guard let lines = try? String(contentsOf: file, encoding: .utf8).split(separator: "\n"), lines.count >= 2,
              Int32(lines[1]) == getpid() else { return }
        unlink(file.path)
    }

    /// The URL of the server running on `directory`, if there is one.
    static func read(in directory: DataDirectory) -> String? {
        guard let lines = try? String(contentsOf: url(in: directory), encoding: .utf8).split(separator: "\n"), lines.count >= 2,
              let pid = Int32(lines[1]), kill(pid, 0) == 0 || errno == EPERM else { return nil }
        return String(lines[0])
    }
}
