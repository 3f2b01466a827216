import Foundation
import GRDB
import Logging
import Synchronization
import Testing
import CJRModel
@testable import CJRStore

/// A store whose lists seek through anchors `stride` rows apart, so that small lists have
/// deep pages; removed after `body`.
private func withAnchoredStore<Value>(stride: Int, _ body: (RunStore, DatabaseQueue) async throws -> Value) async throws -> Value {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("cjr-store-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let store = try RunStore(directory: DataDirectory(root: root), resourceBundles: .builtIn, sweep: .whenDue,
                             logger: Logger(label: "test"), runListWindow: RunListWindow(), pageAnchors: PageAnchors(stride: stride))
    return try await body(store, try DatabaseQueue(path: store.directory.database.path))
}

/// Every page (limits 1, 3 and 7, every offset, one past the end) that `read` gives is the
/// slice of `expected`, with its whole count.
private func expectEveryPage(_ expected: [String], _ list: String,
                             _ read: (PageRequest) async throws -> (ids: [String], total: Int)) async throws {
    for limit in [1, 3, 7] {
        for offset in 0...(expected.count + 1) {
            let page = try await read(PageRequest(offset: offset, limit: limit))
            let slice = offset < expected.count ? Array(expected[offset..<min(expected.count, offset + limit)]) : []
            #expect(page.ids == slice && page.total == expected.count, "\(list), offset \(offset), limit \(limit)")
        }
    }
}

@Suite("Deep pages through anchors")
struct PageAnchorTests {
    @Test("every page of a job's runs, of the jobs list and of the runs across jobs is the slice of the rows themselves while runs are added and pruned, and jobs made, shared and deleted",
          arguments: [1, 2, 3])
    func pagesFollowChanges(stride: Int) async throws {
        try await withAnchoredStore(stride: stride) { store, queue in
            let admin = try store.adminUserId()
            let ann = try store.addUser("ann", organization: nil, groups: []).user.id
            let upload = try exitZeroScript(in: store)
            func job(_ name: String, owner: String) async throws -> String {
                try await store.createJob(JobChanges(name: name, uploads: [upload]), ownerId: owner).id
            }
            let busy = try await job("busy", owner: admin), quiet = try await job("quiet", owner: admin), anns = try await job("ann's", owner: ann)
            // The jobs each user has a role on, as the test makes them.
            var sees = [admin: [busy, quiet], ann: [anns]]
            var runnable = [busy, busy, quiet, busy, anns]
            func addRuns(_ count: Int) async throws {
                for index in 0..<count {
                    let jobId = runnable[index % runnable.count]
                    let run = try await store.createRun(jobId: jobId, description: nil, overrides: nil, startedBy: jobId == anns ? ann : admin)
                    try await store.finishRun(id: run.id, outcome: RunOutcome(status: .succeeded, reason: .exited, exitCode: 0))
                }
            }

            func check(_ moment: String) async throws {
                func runIds(of jobIds: [String]) async throws -> [String] {
                    try await queue.read { db in
                        try String.fetchAll(db, sql: "SELECT id FROM run WHERE jobId IN (SELECT value FROM json_each(?)) ORDER BY seq DESC",
                                            arguments: [String(decoding: try JSONEncoder().encode(jobIds), as: UTF8.self)])
                    }
                }
                try await expectEveryPage(try await runIds(of: [busy]), "\(moment): busy's runs") { page in
                    let runs = try await store.runs(jobId: busy, scheduledJobId: nil, page: page)
                    return (runs.items.map(\.id), runs.totalCount)
                }
                for user in [admin, ann] {
                    let live = try await queue.read { db in
                        try String.fetchAll(db, sql: "SELECT id FROM job WHERE deleted IS NULL ORDER BY seq DESC")
                    }.filter { sees[user, default: []].contains($0) }
                    try await expectEveryPage(live, "\(moment): \(user)'s jobs") { page in
                        let jobs = try await store.jobs(matching: JobFilter(), visibleTo: user, page: page)
                        return (jobs.items.map(\.id), jobs.totalCount)
                    }
                    try await expectEveryPage(try await runIds(of: live), "\(moment): \(user)'s runs across jobs") { page in
                        let runs = try await store.runs(matching: RunListFilter(), visibleTo: user, page: page)
                        return (runs.items.map(\.run.id), runs.totalCount)
                    }
                }
            }

            try await addRuns(30)
            try await check("at first")
            try await addRuns(12)
            try await check("runs added past the anchors")
            _ = try await store.prune(endedBefore: nil, keep: 5)
            try await addRuns(9)
            try await check("the oldest runs pruned")
            try await store.updateSharedRoles(jobId: quiet, [SharedRoleChange(recipient: .name("ann"), recipientType: .user, role: .observer)], by: admin)
            sees[ann, default: []].append(quiet)
            try await check("a job shared")
            let fresh = try await job("fresh", owner: admin)
            sees[admin, default: []].append(fresh)
            runnable.append(fresh)
            try await addRuns(8)
            try await store.deleteJob(id: quiet, by: admin)
            runnable.removeAll { $0 == quiet }
            try await addRuns(4)
            try await check("a job made, one deleted")
        }
    }

    @Test("every page of the jobs lists, searched, by type and deleted, is the slice of the jobs themselves as jobs are deleted, renamed, retyped and made",
          arguments: [1, 2])
    func jobsLists(stride: Int) async throws {
        try await withAnchoredStore(stride: stride) { store, queue in
            let admin = try store.adminUserId()
            let upload = try exitZeroScript(in: store)
            var ids: [String] = []
            for index in 0..<24 {
                let changes = JobChanges(name: "job \(index % 2 == 0 ? "even" : "odd") \(index)", jobType: index % 3 == 0 ? .notification : .default,
                                         uploads: [upload])
                ids.append(try await store.createJob(changes, ownerId: admin).id)
            }
            func check(_ moment: String) async throws {
                func jobIds(_ condition: String) async throws -> [String] {
                    try await queue.read { try String.fetchAll($0, sql: "SELECT id FROM job WHERE \(condition) ORDER BY seq DESC") }
                }
                let lists: [(String, String, (PageRequest) async throws -> Page<CustomJob>)] = [
                    ("live", "deleted IS NULL", { try await store.jobs(matching: JobFilter(), visibleTo: admin, page: $0) }),
                    ("searched", "deleted IS NULL AND name LIKE '%even%'",
                     { try await store.jobs(matching: JobFilter(search: "even"), visibleTo: admin, page: $0) }),
                    ("by type", "deleted IS NULL AND jobType = 'notification'",
                     { try await store.jobs(matching: JobFilter(jobTypes: [.notification]), visibleTo: admin, page: $0) }),
                    ("deleted", "deleted IS NOT NULL", { try await store.deletedJobs(visibleTo: admin, page: $0) }),
                ]
                for (name, condition, read) in lists {
                    try await expectEveryPage(try await jobIds(condition), "\(moment): \(name)") { page in
                        let jobs = try await read(page)
                        return (jobs.items.map(\.id), jobs.totalCount)
                    }
                }
            }
            try await check("at first")
            for (index, id) in ids.enumerated() where index < 12 && index % 2 == 1 { try await store.deleteJob(id: id, by: admin) }
            try await check("jobs deleted")
            _ = try await store.updateJob(id: ids[20], JobChanges(name: "renamed odd"), by: admin)
            _ = try await store.updateJob(id: ids[2], JobChanges(jobType: .notification), by: admin)
            try await check("a job renamed, one retyped")
            _ = try await store.createJob(JobChanges(name: "even new", uploads: [upload]), ownerId: admin)
            try await check("a job made")
        }
    }

    @Test("every page of a job's runs started by each of its schedules, or by none in particular, is the slice of those runs",
          arguments: [1, 2])
    func scheduledRuns(stride: Int) async throws {
        try await withAnchoredStore(stride: stride) { store, queue in
            let admin = try store.adminUserId()
            let job = try await store.createJob(JobChanges(name: "j", uploads: [try exitZeroScript(in: store)]), ownerId: admin).id
            for index in 0..<30 {
                _ = try await store.database.write { db in
                    try RunStore.insertRun(db, jobId: job, description: "", overrides: [], userId: admin,
                                           scheduledJobId: [nil, "s1", "s2"][index % 3], trigger: .schedule, now: 1)
                }
            }
            for scheduledJobId in ["s1", "s2", ""] {
                let expected = try await queue.read {
                    try String.fetchAll($0, sql: "SELECT id FROM run WHERE scheduledJobId = ? ORDER BY seq DESC", arguments: [scheduledJobId])
                }
                try await expectEveryPage(expected, "schedule \(scheduledJobId)") { page in
                    let runs = try await store.runs(jobId: job, scheduledJobId: scheduledJobId, page: page)
                    return (runs.items.map(\.id), runs.totalCount)
                }
            }
            let all = try await queue.read { try String.fetchAll($0, sql: "SELECT id FROM run ORDER BY seq DESC") }
            try await expectEveryPage(all, "every run") { page in
                let runs = try await store.runs(jobId: job, scheduledJobId: nil, page: page)
                return (runs.items.map(\.id), runs.totalCount)
            }
        }
    }

    @Test("anchors are kept per list until their counters move, and all are dropped past as many anchors or lists as they may hold")
    func capacity() async throws {
        try await withAnchoredStore(stride: 1) { store, _ in
            let anchors = PageAnchors(stride: 2, capacity: (anchors: 10, lists: 3))
            let found = Mutex<[String]>([])
            @Sendable func seek(_ key: String, seqs: [Int64] = [1, 3, 5], dependencies: PageAnchors.Dependencies = .jobList) async throws -> PageAnchors.Seek? {
                try await store.database.read { db in
                    try anchors.seek(db, key: key, dependencies: dependencies, rank: 3) { _ in
                        found.withLock { $0.append(key) }
                        return seqs
                    }
                }
            }
            #expect(try await seek("a") == PageAnchors.Seek(fromSeq: 3, skip: 1))
            _ = try await seek("a")
            _ = try await seek("b")
            _ = try await seek("b")
            #expect(found.withLock { $0 } == ["a", "b"], "each list's anchors found once")
            // A run removed moves a counter that only lists depending on it see.
            _ = try await store.database.write { db in try db.execute(sql: "UPDATE runRemovals SET value = value + 1") }
            _ = try await seek("a")
            _ = try await seek("c", dependencies: .runRemovals)
            _ = try await seek("c", dependencies: .runRemovals)
            #expect(found.withLock { $0 } == ["a", "b", "c"])
            _ = try await store.database.write { db in try db.execute(sql: "UPDATE runRemovals SET value = value + 1") }
            _ = try await seek("c", dependencies: .runRemovals)
            _ = try await seek("a")
            #expect(found.withLock { $0 } == ["a", "b", "c", "c"], "found again once its counter moved; the others kept")
            // Three lists of three anchors held; a fourth list starts over, then the first is found again.
            _ = try await seek("d")
            _ = try await seek("a")
            #expect(found.withLock { $0 } == ["a", "b", "c", "c", "d", "a"])
            // More anchors than it may hold: kept alone.
            _ = try await seek("e", seqs: Array(1...10))
            _ = try await seek("d")
            #expect(found.withLock { $0 }.suffix(2) == ["e", "d"])
        }
    }

    @Test("a reader of an older state and one of a newer state share a list's anchors, whichever finds them first",
          arguments: [1, 2, 3])
    func snapshotsShareAnchors(stride: Int) async throws {
        try await withAnchoredStore(stride: stride) { store, _ in
            let admin = try store.adminUserId()
            let job = try await store.createJob(JobChanges(name: "j", uploads: [try exitZeroScript(in: store)]), ownerId: admin).id
            func addRuns(_ count: Int) async throws {
                for _ in 0..<count {
                    try await store.database.write { db in
                        _ = try RunStore.insertRun(db, jobId: job, description: "", overrides: [], userId: admin, scheduledJobId: nil, trigger: .api, now: 1)
                    }
                }
            }
            @Sendable func page(_ db: Database, _ request: PageRequest) throws -> [String] {
                let total = try Int.fetchOne(db, sql: "SELECT runCount FROM job WHERE id = ?", arguments: [job]) ?? 0
                return try RunRow.newestFirst(db, from: "FROM run WHERE jobId = ?", arguments: [job], page: request, total: total,
                                              list: AnchoredList(anchors: store.pageAnchors, key: "runs\u{0}\(job)", dependencies: .runRemovals)).map(\.id)
            }
            @Sendable func ids(_ db: Database) throws -> [String] { try String.fetchAll(db, sql: "SELECT id FROM run ORDER BY seq DESC") }
            try await addRuns(20)
            let old = try store.database.makeSnapshot()
            let oldIds = try await old.read(ids)
            try await addRuns(25)
            let newIds = try await store.database.read(ids)
            for oldFirst in [true, false] {
                for limit in [1, 3] {
                    for offset in 0...newIds.count {
                        let request = PageRequest(offset: offset, limit: limit)
                        var (fromOld, fromNew): ([String], [String]) = ([], [])
                        if oldFirst { fromOld = try await old.read { try page($0, request) } }
                        fromNew = try await store.database.read { try page($0, request) }
                        if !oldFirst { fromOld = try await old.read { try page($0, request) } }
                        #expect(fromNew == Array(newIds.dropFirst(offset).prefix(limit)), "newer, offset \(offset), limit \(limit)")
                        #expect(fromOld == Array(oldIds.dropFirst(offset).prefix(limit)), "older, offset \(offset), limit \(limit)")
                    }
                }
            }
        }
    }
}
