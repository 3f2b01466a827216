import Foundation
import GRDB
import CJRModel

/// What a reader needs to serve a run's log: the committed length of its file, and whether
/// more may come.
public struct LogState: Sendable, Equatable {
    public var file: URL
    /// Bytes of the file that are committed (written and recorded); a reader stops there.
    public var committedBytes: Int64
    public var runEnded: Bool
}

/// Run logs: one append-only file per run (`logs/<runId>.log`), its committed length in the
/// run's `logBytes`. Each append writes the file and records the new length in one write
/// transaction, so a log and its length never disagree: a crash between the two leaves
/// bytes past `logBytes`, which the next append overwrites and readers never see. Output
/// is written once, at file speed, and deleting a log gives its space back at once (blobs in
/// SQLite would be written twice and leave the database as large as its largest logs).
extension RunStore {
    /// Appends one chunk of output to a run's log. Throws (writing nothing) when the run is
    /// gone or the disk is full.
    public func appendLog(runId: String, data: [UInt8], truncated: Bool) async throws {
        let file = directory.logFile(runId: runId)
        try await database.write { db in
            // Every chunk of every run: statements compiled once per connection.
            guard let committed = try Int64.fetchOne(db.cachedStatement(sql: "SELECT logBytes FROM run WHERE id = ?"), arguments: [runId]) else {
                throw CJRError.notFound("Custom job run \(runId) not found.")
            }
            let start = data.isEmpty ? committed : try Self.write(data, to: file, at: committed)
            try db.cachedStatement(sql: "UPDATE run SET logBytes = ?, logTruncated = logTruncated OR ? WHERE id = ?")
                .execute(arguments: [start + Int64(data.count), truncated, runId])
        }
        signals.signal(runId)
    }

    /// A run's log as a reader sees it now; `access`, if given, checked first in the same transaction.
    public func logState(jobId: String, runId: String, checking access: JobAccess? = nil) async throws -> LogState {
        let file = directory.logFile(runId: runId)
        return try await database.read { db in
            try Self.check(db, access, jobId: jobId)
            let row = try Self.runRow(db, jobId: jobId, runId: runId)
            return LogState(file: file, committedBytes: row.logBytes, runEnded: RunPhaseSQL.phase(of: row) == .ended)
        }
    }

    /// Deletes a run's log (by `userId`, a USER of the job); false when there was none. A
    /// run still writing starts a new file with its next output.
    public func deleteLog(jobId: String, runId: String, by userId: String) async throws -> Bool {
        let file = directory.logFile(runId: runId)
        let deleted = try await database.write { db in
            try Self.authorize(db, .use, jobId: jobId, userId: userId)
            let row = try Self.runRow(db, jobId: jobId, runId: runId)
            try db.execute(sql: "UPDATE run SET logBytes = 0 WHERE id = ?", arguments: [runId])
            if unlink(file.path) != 0 && errno != ENOENT { throw POSIXFailure(operation: "delete \(file.path)") }
            return row.logBytes > 0
        }
        signals.signal(runId)
        return deleted
    }

    /// Writes `data` at the committed length `committed` of `file` (created 0600), cutting
    /// off first what an interrupted append left past it. A file shorter than that (deleted
    /// by a log delete whose commit then failed) is written at its own end, never padded
    /// with zeros. Returns where the data went.
    @discardableResult
    static func write(_ data: [UInt8], to file: URL, at committed: Int64) throws -> Int64 {
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw POSIXFailure(operation: "open \(file.path)") }
        defer { close(descriptor) }
        var end = stat()
        guard fstat(descriptor, &end) == 0 else { throw POSIXFailure(operation: "stat \(file.path)") }
        let offset = min(committed, Int64(end.st_size))
        if end.st_size != offset, ftruncate(descriptor, off_t(offset)) != 0 {
            throw POSIXFailure(operation: "truncate \(file.path)")
        }
        var written = 0
        while written < data.count {
            let count = data.withUnsafeBytes { pwrite(descriptor, $0.baseAddress! + written, data.count - written, off_t(offset) + off_t(written)) }
            if count < 0 {
                if errno == EINTR { continue }
                let failure = POSIXFailure(operation: "write \(file.path)")
                _ = ftruncate(descriptor, off_t(offset)) // nothing half-written stays
                throw failure
            }
            written += count
        }
        return offset
    }

    /// Removes the log files of `runIds` (their runs were purged).
    func removeLogs(of runIds: [String]) {
        for id in runIds { unlink(directory.logFile(runId: id).path) }
    }

    /// Removes log files whose run no longer exists (a purge interrupted before it got to
    /// them). Run at start.
    func sweepLogs() throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.logs.path)) ?? []
        let ids = names.filter { $0.hasSuffix(".log") }.map { String($0.dropLast(4)) }
        guard !ids.isEmpty else { return }
        let known = try database.read { db in
            try Set(String.fetchAll(db, sql: "SELECT id FROM run WHERE id IN (SELECT value FROM json_each(?))", arguments: [try storedJSON(ids)]))
        }
        removeLogs(of: ids.filter { !known.contains($0) })
    }
}

extension RunStore {
    /// A run by its ID or a unique start of it (at least 4 characters), whatever its job;
    /// for commands working on the data directory itself (`cjr logs`).
    public func run(idOrPrefix reference: String) async throws -> CustomJobRun {
        guard reference.count >= 4 else { throw CJRError.invalid("run", "give at least 4 characters of the run's ID, got '\(reference)'") }
        return try await database.read { db in
            let rows = try RunRow.filter(sql: "id LIKE ? ESCAPE '\\'", arguments: [Self.escapeLike(reference) + "%"]).limit(6).fetchAll(db)
            if let exact = rows.first(where: { $0.id == reference }) { return try Self.loadRun(db, row: exact) }
            guard let row = rows.first else { throw CJRError.notFound("No run with an ID starting '\(reference)'.") }
            guard rows.count == 1 else {
                throw CJRError.invalid("run", "'\(reference)' starts \(rows.count > 5 ? "more than 5" : "\(rows.count)") run IDs (\(rows.prefix(5).map(\.id).joined(separator: ", "))); give more of it")
            }
            return try Self.loadRun(db, row: row)
        }
    }
}
