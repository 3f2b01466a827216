import GRDB

/// A queued run's position in the order the scheduler starts runs: round-robin across
/// users, FIFO within each user's runs, the user served least recently first (see
/// `FairQueue` in CJRRunner, which this mirrors).
///
/// If the run is its user's `k`-th queued run (0-based), it starts in round `k`: before it
/// go `k` runs of its own, `min(n, k)` runs of every other user with `n` queued, and, in
/// its own round, one run of each user served before its user who still has runs then.
/// That is the order for the queue as it stands and a pool without a per-user limit; later
/// arrivals of users with fewer runs queued may go ahead of it (the point of fairness),
/// and `--max-runs-per-user` may hold a user's runs back.
enum FairQueueSQL {
    static func position(_ db: Database, seq: Int64, userId: String) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: """
            WITH queued AS (SELECT COALESCE(userId, '') AS userId, seq FROM run WHERE \(RunPhaseSQL.waiting)),
                 lanes AS (SELECT userId, COUNT(*) AS n, MIN(seq) AS first,
                                  (SELECT MAX(started) FROM run AS served WHERE served.userId = queued.userId) AS lastServed
                           FROM queued GROUP BY userId),
                 mine AS (SELECT (SELECT COUNT(*) FROM queued WHERE userId = :user AND seq < :seq) AS k,
                                 COALESCE(lastServed, -1) AS lastServed, first FROM lanes WHERE userId = :user)
            SELECT mine.k
                 + COALESCE((SELECT SUM(MIN(lanes.n, mine.k)) FROM lanes WHERE lanes.userId != :user), 0)
                 + (SELECT COUNT(*) FROM lanes WHERE lanes.userId != :user AND lanes.n > mine.k
                       AND (COALESCE(lanes.lastServed, -1), lanes.first) < (mine.lastServed, mine.first))
            FROM mine
            """), arguments: ["user": userId, "seq": seq]) ?? 0
    }
}
