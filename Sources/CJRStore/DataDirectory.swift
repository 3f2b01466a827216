import Foundation

/// The layout of cjr's data directory: the SQLite database, file blobs by content hash,
/// run logs, a staging folder for uploads in flight, and the admin token file.
public struct DataDirectory: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root.standardizedFileURL }

    /// `$XDG_DATA_HOME/cjr`, else `~/.local/share/cjr`.
    public static func `default`(environment: [String: String] = ProcessInfo.processInfo.environment) -> DataDirectory {
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            return DataDirectory(root: URL(fileURLWithPath: xdg).appendingPathComponent("cjr"))
        }
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return DataDirectory(root: home.appendingPathComponent(".local/share/cjr"))
    }

    public var database: URL { root.appendingPathComponent("cjr.sqlite") }
    public var blobs: URL { root.appendingPathComponent("blobs") }
    public var staging: URL { root.appendingPathComponent("staging") }
    /// One append-only file per run with output, `<runId>.log`; the run's `logBytes` in
    /// the database says how much of it is committed.
    public var logs: URL { root.appendingPathComponent("logs") }
    public func logFile(runId: String) -> URL { logs.appendingPathComponent("\(runId).log") }
    public var tokenFile: URL { root.appendingPathComponent("api-token") }
    /// Touched by each sweep of leftovers (see `RunStore.LeftoverSweep`).
    public var sweepStamp: URL { root.appendingPathComponent("swept") }
    /// `cjr run`'s cache of the host probe's answers (see `HostProbeCache`).
    public var hostProbe: URL { root.appendingPathComponent("host-probe") }

    /// Creates the folders, private to the user (0700, also when they existed): they hold
    /// job code and secrets.
    public func prepare() throws {
        for url in [root, blobs, staging, logs] {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: url.path)
        }
    }
}
