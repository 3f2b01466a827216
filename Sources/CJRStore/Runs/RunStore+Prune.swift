import Foundation
import GRDB
import CJRModel

/// What `cjr prune` removed.
public struct PruneReport: Sendable, Equatable {
    public var runs = 0
    public var logBytes: Int64 = 0
    public var blobs = 0
    public var blobBytes: Int64 = 0
    public var purgedJobs = 0
}

extension RunStore {
    /// Removes ended runs (their records, file snapshots, logs and tokens) that ended before
    /// `endedBefore` and are not among the newest `keep` runs of their job (either rule
    /// alone when the other is nil), and jobs soft-deleted before `endedBefore`; then the
    /// file contents nothing refers to any more. Runs not ended are never touched.
    public func prune(endedBefore: Timestamp?, keep: Int?) async throws -> PruneReport {
        let cutoff = endedBefore?.microseconds
        let (runs, purged, blobs): ([(String, Int64)], Int, [(String, Int64)]) = try await database.write { db in
            var runs = try Row.fetchAll(db, sql: """
                SELECT id, logBytes FROM (
                    SELECT id, logBytes, ended, status, ROW_NUMBER() OVER (PARTITION BY jobId ORDER BY seq DESC) AS newest FROM run)
                WHERE ended IS NOT NULL AND NOT (\(RunPhaseSQL.unfinished))
                  AND (? IS NULL OR ended < ?) AND (? IS NULL OR newest > ?)
                """, arguments: [cutoff, cutoff, keep, keep]).map { ($0["id"] as String, $0["logBytes"] as Int64) }
            let ids = try storedJSON(runs.map(\.0))
            try db.execute(sql: "DELETE FROM token WHERE purpose IN (SELECT 'run:' || value FROM json_each(?))", arguments: [ids])
            try db.execute(sql: "DELETE FROM run WHERE id IN (SELECT value FROM json_each(?))", arguments: [ids])
            var purged = 0
            if let cutoff {
                // Deleted jobs whose runs have all ended (a deleted job's runs are canceled, but
                // one may still be stopping).
                let purgeable = "deleted IS NOT NULL AND deleted < ? AND NOT EXISTS (SELECT 1 FROM run WHERE run.jobId = job.id AND run.\(RunPhaseSQL.unfinished))"
                runs += try Row.fetchAll(db, sql: """
                    SELECT run.id, run.logBytes FROM run WHERE run.jobId IN (SELECT id FROM job WHERE \(purgeable))
                    """, arguments: [cutoff]).map { ($0["id"] as String, $0["logBytes"] as Int64) }
                try db.execute(sql: "DELETE FROM job WHERE \(purgeable)", arguments: [cutoff])
                purged = db.changesCount
            }
            let unreferenced = try Row.fetchAll(db, sql: """
                SELECT hash, size FROM blob WHERE NOT EXISTS (SELECT 1 FROM jobItem WHERE blobHash = blob.hash)
                    AND NOT EXISTS (SELECT 1 FROM runItem WHERE blobHash = blob.hash)
                """).map { ($0["hash"] as String, $0["size"] as Int64) }
            try Self.dropUnreferencedBlobs(db)
            return (runs, purged, unreferenced)
        }
        // After the commit: a crash before this leaves files the next start sweeps.
        removeLogs(of: runs.map(\.0))
        for (hash, _) in blobs { self.blobs.removeUnlessRecent(hash: hash) }
        return PruneReport(runs: runs.count, logBytes: runs.reduce(0) { $0 + $1.1 }, blobs: blobs.count,
                           blobBytes: blobs.reduce(0) { $0 + $1.1 }, purgedJobs: purged)
    }
}
