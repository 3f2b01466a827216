/// The queue of runs waiting for a worker, fair across users: each user's runs wait in
/// their own FIFO lane, and a free worker goes to the lane whose user was served least
/// recently (ties: the lane whose first run has waited longest). One user's 500 queued runs
/// therefore delay another user's single run by at most one run per busy worker.
///
/// "Served" is when a user's run last started (microseconds since the epoch), seeded from
/// the store at start, so the order survives a restart and the positions the store shows
/// (`FairQueueSQL`) follow the same rule.
struct FairQueue {
    private struct Entry {
        var runId: String
        var arrival: UInt64
    }

    private var lanes: [String: [Entry]] = [:]
    /// When each user's run last started; absent: never.
    private var lastServed: [String: Int64] = [:]
    /// Orders arrivals.
    private var clock: UInt64 = 0

    var isEmpty: Bool { lanes.isEmpty }
    var count: Int { lanes.values.reduce(0) { $0 + $1.count } }

    func contains(_ runId: String) -> Bool {
        lanes.values.contains { lane in lane.contains { $0.runId == runId } }
    }

    /// Records when users' runs last started (at start, from the store).
    mutating func seed(lastServed served: [String: Int64]) {
        lastServed.merge(served) { max($0, $1) }
    }

    mutating func append(_ runId: String, user: String) {
        clock += 1
        lanes[user, default: []].append(Entry(runId: runId, arrival: clock))
    }

    /// Removes a run (canceled while queued); false when it was not queued.
    @discardableResult
    mutating func remove(_ runId: String) -> Bool {
        for (user, lane) in lanes {
            guard let index = lane.firstIndex(where: { $0.runId == runId }) else { continue }
            lanes[user]!.remove(at: index)
            if lanes[user]!.isEmpty { lanes[user] = nil }
            return true
        }
        return false
    }

    /// Takes the next run to start among users `eligible` says may start one more; `now`
    /// becomes its user's last-served time.
    mutating func next(now: Int64, eligible: (String) -> Bool) -> (runId: String, user: String)? {
        let candidates = lanes.filter { eligible($0.key) }
        guard let user = candidates.min(by: { a, b in
            let (servedA, servedB) = (lastServed[a.key] ?? -1, lastServed[b.key] ?? -1)
            return servedA != servedB ? servedA < servedB : a.value[0].arrival < b.value[0].arrival
        })?.key else { return nil }
        let entry = lanes[user]!.removeFirst()
        if lanes[user]!.isEmpty { lanes[user] = nil }
        lastServed[user] = max(now, (lastServed[user] ?? -1) + 1)
        return (entry.runId, user)
    }

    mutating func removeAll() { lanes.removeAll() }
}
