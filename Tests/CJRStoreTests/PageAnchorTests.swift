import Foundation
import GRDB
import Logging
import Testing
import CJRModel
@testable import CJRStore

@Suite("Deep pages through anchors")
struct PageAnchorTests {
    @Test("every page of a job's runs, of the jobs list and of the runs across jobs is the slice of the rows themselves while runs are added and pruned, and jobs made, shared and deleted",
          arguments: [1, 2, 5])
    func pagesFollowChanges(stride: Int) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cjr-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try RunStore(directory: DataDirectory(root: root), resourceBundles: .builtIn, sweep: .whenDue,
                                 logger: Logger(label: "test"), runListWindow: RunListWindow(), pageAnchors: PageAnchors(stride: stride))
        let queue = try DatabaseQueue(path: store.directory.database.path)
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
            func everyPage(_ expected: [String], _ list: String, _ read: (PageRequest) async throws -> (ids: [String], total: Int)) async throws {
                for limit in [1, 3, 7] {
                    for offset in 0...(expected.count + 1) {
                        let page = try await read(PageRequest(offset: offset, limit: limit))
                        let slice = offset < expected.count ? Array(expected[offset..<min(expected.count, offset + limit)]) : []
                        #expect(page.ids == slice && page.total == expected.count, "\(moment): \(list), offset \(offset), limit \(limit)")
                    }
                }
            }
            try await everyPage(try await runIds(of: [busy]), "busy's runs") { page in
                let runs = try await store.runs(jobId: busy, scheduledJobId: nil, page: page)
                return (runs.items.map(\.id), runs.totalCount)
            }
            for user in [admin, ann] {
                let live = try await queue.read { db in
                    try String.fetchAll(db, sql: "SELECT id FROM job WHERE deleted IS NULL ORDER BY seq DESC")
                }.filter { sees[user, default: []].contains($0) }
                try await everyPage(live, "\(user)'s jobs") { page in
                    let jobs = try await store.jobs(matching: JobFilter(), visibleTo: user, page: page)
                    return (jobs.items.map(\.id), jobs.totalCount)
                }
                try await everyPage(try await runIds(of: live), "\(user)'s runs across jobs") { page in
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
