import Foundation
import GRDB
import Logging
import CJRModel

/// cjr's persistent state: one SQLite database in WAL mode (readers never wait for the
/// writer, a crash never leaves half a transaction) plus the blob store for file contents.
///
/// Every public write is one transaction. File contents are written and flushed before the
/// transaction that references them commits, so committed rows never point at missing data.
public final class RunStore: Sendable {
    public let directory: DataDirectory
    public let blobs: BlobStore
    /// Wakes readers waiting on a run when this process changes it.
    public let signals = RunSignals()
    /// Jobs lists' counts, reused until what they count changes.
    let jobCounts = JobCountCache()
    /// How pages of runs across jobs are read, and the jobs each user sees for them.
    let runListWindow: RunListWindow
    let visibleJobs = VisibleJobsCache()
    /// Where deep pages of long lists start.
    let pageAnchors: PageAnchors
    /// The bundles a job's `resourceBundleId` may name.
    public let resourceBundles: ResourceBundles
    let database: DatabasePool

    /// When opening the store sweeps what a crash or a failed request left behind: blob
    /// files no row references (older than ten minutes) and logs of runs that do not exist.
    /// The sweep lists every blob and log file, so its cost grows with history.
    public enum LeftoverSweep: Sendable {
        /// Now (a server's start, `cjr prune`).
        case atOpen
        /// If none was done in the last day (every other command: `cjr run`, `cjr logs`…).
        case whenDue
    }

    public convenience init(directory: DataDirectory, resourceBundles: ResourceBundles = .builtIn, sweep: LeftoverSweep = .whenDue,
                            logger: Logger = Logger(label: "cjr.store")) throws {
        try self.init(directory: directory, resourceBundles: resourceBundles, sweep: sweep, logger: logger, runListWindow: RunListWindow())
    }

    /// `runListWindow`, `pageAnchors`: tests read pages through small windows and seek
    /// through close anchors.
    init(directory: DataDirectory, resourceBundles: ResourceBundles, sweep: LeftoverSweep, logger: Logger,
         runListWindow: RunListWindow, pageAnchors: PageAnchors = PageAnchors()) throws {
        try directory.prepare()
        self.directory = directory
        self.resourceBundles = resourceBundles
        self.runListWindow = runListWindow
        self.pageAnchors = pageAnchors
        blobs = BlobStore(directory: directory)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // WAL + NORMAL: durable across process crashes, fast commits.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        database = try DatabasePool(path: directory.database.path, configuration: configuration)
        try Migrations.migrator(for: directory).migrate(database)
        if sweep == .atOpen || Self.sweepIsDue(stamp: directory.sweepStamp) {
            let referenced = try database.read { db in try Set(String.fetchAll(db, sql: "SELECT hash FROM blob")) }
            blobs.sweep(keeping: referenced)
            try sweepLogs()
            let stamp = open(directory.sweepStamp.path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if stamp >= 0 { futimens(stamp, nil); close(stamp) }
        }
        logger.debug("store opened", metadata: ["path": "\(directory.database.path)"])
    }

    /// A day since the last sweep (the stamp's modification time), or none yet.
    static func sweepIsDue(stamp: URL) -> Bool {
        var info = stat()
        guard stat(stamp.path, &info) == 0 else { return true }
        return Double(info.st_mtim.tv_sec) < Date().timeIntervalSince1970 - 86_400
    }

    /// The names of the migrations applied, in order.
    public func appliedMigrations() throws -> [String] {
        try database.read { db in try Migrations.migrator(for: directory).appliedMigrations(db) }
    }
}
