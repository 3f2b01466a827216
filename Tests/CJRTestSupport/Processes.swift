import Foundation

/// Whether a process with this pid exists (and is not a zombie).
public func processIsAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
}

/// A scratch directory for a test's own files (pid files, event logs), removed at the end.
public struct ScratchDirectory: Sendable {
    public let url = FileManager.default.temporaryDirectory.appendingPathComponent("cjr-scratch-\(UUID().uuidString)")
    public var path: String { url.path }

    public init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }

    public func read(_ name: String) -> String {
        (try? String(contentsOf: url.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    public func remove() { try? FileManager.default.removeItem(at: url) }
}
