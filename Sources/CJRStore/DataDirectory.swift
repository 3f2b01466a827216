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
    /// job code and secrets. (`mkdir` and `chmod`: every cjr command starts here, and
    /// FileManager's take ten times as long the first time.)
    public func prepare() throws {
        if mkdir(root.path, 0o700) != 0, errno == ENOENT { // its parents first
            do {
                try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                let cause = (error as NSError).userInfo[NSUnderlyingErrorKey] as? POSIXError
                throw DataDirectoryError(path: root.path, code: cause?.code.rawValue ?? EIO)
            }
        }
        for url in [root, blobs, staging, logs] {
            let path = url.path
            var info = stat()
            // errno is read right after the call that failed, before anything can change it.
            if mkdir(path, 0o700) != 0, case let code = errno, code != EEXIST { throw DataDirectoryError(path: path, code: code) }
            if stat(path, &info) != 0 { throw DataDirectoryError(path: path, code: errno) }
            guard info.st_mode & S_IFMT == S_IFDIR else { throw DataDirectoryError(path: path, code: ENOTDIR) }
            if chmod(path, 0o700) != 0 { throw DataDirectoryError(path: path, code: errno) }
        }
    }
}

/// A folder of the data directory that cannot be made, or made private.
public struct DataDirectoryError: Error, CustomStringConvertible {
    public let path: String
    /// The system's reason (`errno`).
    public let code: Int32

    public var description: String {
        "cannot use \(path) as a private folder of cjr's data directory: \(String(cString: strerror(code)))"
    }
}
