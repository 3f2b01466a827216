import Foundation
import GRDB
import Logging
import Testing
import CJRModel
@testable import CJRStore

/// A store in a fresh temporary directory, removed afterwards.
func withStore<Value>(_ body: (RunStore) async throws -> Value) async throws -> Value {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("cjr-store-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    return try await body(try RunStore(directory: DataDirectory(root: root)))
}

/// `run.sh` holding `exit 0`, stored in `store`'s blobs, ready to upload into a job.
func exitZeroScript(in store: RunStore) throws -> UploadedFile {
    let script = try store.blobs.store(Array("exit 0\n".utf8))
    return UploadedFile(path: try JobFilePath(validating: "run.sh"), contentHash: script.hash, size: script.size)
}

@Suite("The run store")
struct StoreTests {
    @Test("opening a store applies the migrations once and records them")
    func migrations() async throws {
        try await withStore { store in
            let applied = try store.appliedMigrations()
            #expect(applied.map { $0.prefix { $0 != ":" } } == (1...13).map { "v\($0)" })
            let reopened = try RunStore(directory: store.directory)
            #expect(try reopened.appliedMigrations() == store.appliedMigrations())
        }
    }

    @Test("leftovers are swept at a server's open, by other opens once a day: an unreferenced old blob and the log of no run")
    func leftoverSweep() async throws {
        try await withStore { store in
            let directory = store.directory
            let hash = String(repeating: "ab", count: 32)
            let blob = URL(fileURLWithPath: store.blobs.path(forHash: hash))
            let log = directory.logFile(runId: "ffffffffffffffffffffffff")
            func leaveLeftovers() throws {
                try FileManager.default.createDirectory(at: blob.deletingLastPathComponent(), withIntermediateDirectories: true)
                for file in [blob, log] {
                    try Data("left".utf8).write(to: file)
                    try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-3_600)], ofItemAtPath: file.path)
                }
            }
            func present() -> [Bool] { [blob, log].map { FileManager.default.fileExists(atPath: $0.path) } }

            // The store's first open swept and left its stamp: another open does not list.
            #expect(FileManager.default.fileExists(atPath: directory.sweepStamp.path))
            try leaveLeftovers()
            _ = try RunStore(directory: directory, sweep: .whenDue)
            #expect(present() == [true, true], "swept again within the day")
            _ = try RunStore(directory: directory, sweep: .atOpen)
            #expect(present() == [false, false], "a server's open sweeps")

            // A day later, any open sweeps, and stamps again.
            try leaveLeftovers()
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-90_000)], ofItemAtPath: directory.sweepStamp.path)
            _ = try RunStore(directory: directory, sweep: .whenDue)
            #expect(present() == [false, false], "the daily sweep is due")
            #expect(!RunStore.sweepIsDue(stamp: directory.sweepStamp))
        }
    }

    @Test("run and job rows with every column set read back exactly (their column-by-column decoding names every column)")
    func runRowRoundTrip() async throws {
        try await withStore { store in
            let admin = try store.adminUserId()
            let upload = try exitZeroScript(in: store)
            let job = try await store.createJob(JobChanges(name: "rows", uploads: [upload]), ownerId: admin)
            let row = RunRow(seq: nil, id: "r1", jobId: job.id, statusId: "s1", description: "d", status: "failed", entryPoint: "e",
                             environmentId: "env", environmentVersionId: "ver", egressNetworkPolicy: "none", resourceBundleId: "cpu.small",
                             scheduledJobId: "sched", parameterDefinitions: "[]", parameterValues: "{}", created: 1, started: 2, ended: 3,
                             exitCode: 4, signal: 5, endReason: "exited", ownerPid: 6, ownerStartTime: 7, launcherPid: 8,
                             launcherStartTime: 9, cgroup: "cg", logBytes: 10, logTruncated: true, jobType: "default",
                             sandbox: "[\"seccomp:default\"]", userId: admin, trigger: "cli")
            let read = try await store.database.write { db in
                var inserted = row
                try inserted.insert(db)
                return try RunRow.filter(Column("id") == "r1").fetchOne(db)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            var expected = row
            expected.seq = read?.seq
            #expect(try String(decoding: encoder.encode(read), as: UTF8.self) == String(decoding: encoder.encode(expected), as: UTF8.self))
            #expect(read?.seq != nil)

            // The job's row too, every optional column set.
            let jobRow = try await store.database.write { db in
                try db.execute(sql: "UPDATE job SET entryPoint = 'ep', resourceBundleId = 'rb', ownerId = ?, deleted = 42 WHERE id = ?",
                               arguments: [admin, job.id])
                return try JobRow.filter(Column("id") == job.id).fetchOne(db)
            }
            #expect(jobRow?.entryPoint == "ep" && jobRow?.resourceBundleId == "rb" && jobRow?.ownerId == admin && jobRow?.deleted == 42)
            #expect(jobRow?.seq != nil && jobRow?.name == "rows" && jobRow?.environmentId == job.environmentId)
        }
    }

    @Test("the database runs in WAL mode")
    func walMode() async throws {
        try await withStore { store in
            let queue = try DatabaseQueue(path: store.directory.database.path)
            #expect(try await queue.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        }
    }

    @Test("blobs are stored once by SHA-256, streamed in pieces")
    func blobs() async throws {
        try await withStore { store in
            let writer = try store.blobs.makeWriter()
            for piece in ["hello ", "world"] { try Array(piece.utf8).withUnsafeBytes { try writer.write($0) } }
            let blob = try writer.finish()
            #expect(blob.hash == "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")
            #expect(blob.size == 11)
            #expect(try store.blobs.contents(ofHash: blob.hash) == Data("hello world".utf8))
            #expect(try store.blobs.store(Array("hello world".utf8)) == blob)
            let staged = try FileManager.default.contentsOfDirectory(atPath: store.directory.staging.path)
            #expect(staged.isEmpty, "finished and discarded writers leave nothing staged")
        }
    }

    @Test("content stored again is kept as it is (no second write), and a stored copy changed on disk is replaced")
    func storedAgain() async throws {
        try await withStore { store in
            let first = try store.blobs.store(Array("same content".utf8))
            let path = store.blobs.path(forHash: first.hash)
            let inode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? UInt64)
            let again = try store.blobs.store(Array("same content".utf8))
            #expect(again == first)
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? UInt64 == inode, "kept, not rewritten")
            #expect(try FileManager.default.contentsOfDirectory(atPath: store.directory.staging.path).isEmpty, "the staged copy is gone")
            try "changed".write(toFile: path, atomically: false, encoding: .utf8)
            _ = try store.blobs.store(Array("same content".utf8))
            #expect(try store.blobs.contents(ofHash: first.hash) == Data("same content".utf8), "the changed copy was replaced")
        }
    }

    @Test("a discarded upload leaves no staged file")
    func discard() async throws {
        try await withStore { store in
            let writer = try store.blobs.makeWriter()
            try [1, 2, 3].withUnsafeBytes { try writer.write($0) }
            writer.discard()
            #expect(try FileManager.default.contentsOfDirectory(atPath: store.directory.staging.path).isEmpty)
        }
    }

    @Test("the admin token is created once, stored only as a hash, and can be rotated")
    func tokens() async throws {
        try await withStore { store in
            let token = try #require(try store.bootstrapAdmin())
            #expect(try store.bootstrapAdmin() == nil)
            #expect(store.readTokenFile() == token)
            #expect(try await store.authenticate(token: token)?.username == "admin")
            #expect(try await store.authenticate(token: token + "x") == nil)
            let queue = try DatabaseQueue(path: store.directory.database.path)
            let stored = try await queue.read { try String.fetchAll($0, sql: "SELECT secretHash FROM token") }
            #expect(!stored.contains(token))
            let rotated = try store.rotateAdminToken()
            #expect(try await store.authenticate(token: token) == nil)
            #expect(try await store.authenticate(token: rotated) != nil)
        }
    }

    @Test("a failed update rolls back every part of it")
    func transactionRollback() async throws {
        try await withStore { store in
            let blob = try store.blobs.store(Array("echo\n".utf8))
            let job = try await store.createJob(JobChanges(name: "tx", uploads: [
                UploadedFile(path: try JobFilePath(validating: "run.sh"), contentHash: blob.hash, size: blob.size),
            ]), ownerId: try store.adminUserId())
            var changes = JobChanges(name: "renamed", filesToDelete: ["ffffffffffffffffffffffff"])
            changes.uploads = [UploadedFile(path: try JobFilePath(validating: "new.sh"), contentHash: blob.hash, size: blob.size)]
            await #expect(throws: CJRError.self) { try await store.updateJob(id: job.id, changes, by: try store.adminUserId()) }
            #expect(try await store.job(id: job.id) == job)
        }
    }

    @Test("purging a job drops blob rows nothing else uses, and keeps shared ones")
    func purgeDropsUnusedBlobs() async throws {
        try await withStore { store in
            let shared = try store.blobs.store(Array("shared".utf8))
            let own = try store.blobs.store(Array("own".utf8))
            func upload(_ path: String, _ blob: StoredBlob) throws -> UploadedFile {
                UploadedFile(path: try JobFilePath(validating: path), contentHash: blob.hash, size: blob.size)
            }
            let admin = try store.adminUserId()
            let first = try await store.createJob(JobChanges(name: "a", uploads: [try upload("s", shared), try upload("o", own)]), ownerId: admin)
            _ = try await store.createJob(JobChanges(name: "b", uploads: [try upload("s", shared)]), ownerId: admin)
            try await store.deleteJob(id: first.id, by: admin)
            try await store.purgeJob(id: first.id, by: admin)
            let queue = try DatabaseQueue(path: store.directory.database.path)
            let hashes = try await queue.read { try Set(String.fetchAll($0, sql: "SELECT hash FROM blob")) }
            #expect(hashes == [shared.hash])
            #expect(try await queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM jobItem") } == 1)
        }
    }

    @Test("a run's API token, issued when it is claimed, lasts its lifetime from when the entry point starts, and goes with the run's end")
    func runTokenLifetime() async throws {
        try await withStore { store in
            let admin = try store.adminUserId()
            let upload = try exitZeroScript(in: store)
            let job = try await store.createJob(JobChanges(name: "j", uploads: [upload]), ownerId: admin)
            let run = try await store.createRun(jobId: job.id, description: nil, overrides: nil, startedBy: admin)
            let owner = ProcessIdentity(pid: getpid(), startTime: 0)
            // Four seconds: a loaded machine (the whole suite at once) must still read the token
            // well within it; the sleep below outlasts it.
            let claimed = try #require(try await store.claimRun(id: run.id, owner: owner, runTokenLifetime: 4))
            let token = try #require(claimed.apiToken)
            #expect(try await store.authenticate(token: token)?.id == admin, "the token acts as the run's starter")
            // A preparation (a pip install) longer than the lifetime does not use it up.
            try await Task.sleep(for: .milliseconds(4_300))
            try await store.recordLaunch(runId: run.id, launcher: owner, cgroup: nil, running: true, runTokenLifetime: 60)
            #expect(try await store.authenticate(token: token) != nil, "valid for its lifetime from the start")
            try await store.finishRun(id: run.id, outcome: RunOutcome(status: .succeeded, reason: .exited, exitCode: 0))
            #expect(try await store.authenticate(token: token) == nil, "gone with the run's end")
            // Claimed again (it cannot be), no token is issued.
            #expect(try await store.claimRun(id: run.id, owner: owner, runTokenLifetime: 60) == nil)
        }
    }

    /// What the visibility tests change: the admin's jobs alpha and beta, a user "ann" in
    /// organization "acme", a group "team", and a way to share a job.
    static func visibilityFixture(_ store: RunStore) async throws
        -> (admin: String, ann: String, a: CustomJob, b: CustomJob, share: (CustomJob, ShareRecipientType, String, JobRole?) async throws -> Void) {
        let admin = try store.adminUserId()
        let ann = try store.addUser("ann", organization: "acme", groups: []).user.id
        _ = try store.createGroup("team")
        let upload = try exitZeroScript(in: store)
        let a = try await store.createJob(JobChanges(name: "alpha", uploads: [upload]), ownerId: admin)
        let b = try await store.createJob(JobChanges(name: "beta", uploads: [upload]), ownerId: admin)
        return (admin, ann, a, b, { job, type, name, role in
            try await store.updateSharedRoles(jobId: job.id, [SharedRoleChange(recipient: .name(name), recipientType: type, role: role)], by: admin)
        })
    }

    @Test("a jobs list's count, kept between requests, follows every change to what it counts, and runs do not make it count again")
    func jobCountsFollowVisibility() async throws {
        try await withStore { store in
            let (admin, ann, a, b, share) = try await Self.visibilityFixture(store)
            func live(_ search: String? = nil) async throws -> Int {
                try await store.jobs(matching: JobFilter(search: search), visibleTo: ann, page: PageRequest(limit: 1)).totalCount
            }
            func deleted() async throws -> Int { try await store.deletedJobs(visibleTo: ann, page: PageRequest(limit: 1)).totalCount }
            let queue = try DatabaseQueue(path: store.directory.database.path)
            func generation() async throws -> Int64 {
                try await queue.read { try Int64.fetchOne($0, sql: "SELECT value FROM jobListGeneration") ?? -1 }
            }

            #expect(try await live() == 0)
            try await share(a, .user, "ann", .observer)
            #expect(try await live() == 1, "a role given to the user")
            try await share(b, .group, "team", .user)
            #expect(try await live() == 1)
            try store.setMembership(group: "team", username: "ann", member: true)
            #expect(try await live() == 2, "the user joined a group with a role")
            try store.setMembership(group: "team", username: "ann", member: false)
            #expect(try await live() == 1, "and left it")
            try store.setMembership(group: "team", username: "ann", member: true)
            #expect(try await live() == 2)
            try store.deleteGroup("team")
            #expect(try await live() == 1, "the group was deleted (its members and roles go with it)")
            try await share(b, .organization, "acme", .observer)
            #expect(try await live() == 2, "a role given to the user's organization")
            _ = try store.setOrganization(of: "ann", to: "elsewhere")
            #expect(try await live() == 1, "the user moved to another organization")

            #expect(try await live("alp") == 1)
            _ = try await store.updateJob(id: a.id, JobChanges(name: "omega"), by: admin)
            #expect(try await live("alp") == 0, "a renamed job leaves a search")

            // Runs come and go without moving what the lists count.
            let before = try await generation()
            let run = try await store.createRun(jobId: a.id, description: nil, overrides: nil, startedBy: admin)
            _ = try await store.requestCancel(jobId: a.id, runId: run.id, by: admin)
            #expect(try await generation() == before)
            #expect(try await live() == 1)

            #expect(try await deleted() == 0)
            try await store.deleteJob(id: a.id, by: admin)
            #expect(try await live() == 0, "a deleted job leaves the live list")
            #expect(try await deleted() == 1, "for the deleted one")
            try await share(b, .user, "ann", .owner)
            #expect(try await live() == 1)
            try await share(b, .user, "ann", nil)
            #expect(try await live() == 0, "a role taken away")
            try await store.purgeJob(id: a.id, by: admin)
            #expect(try await deleted() == 0, "a purged job is gone")
        }
    }

    @Test("runs across jobs, their visible jobs kept between requests, follow every change to who sees which job, and runs created and removed")
    func runsAcrossJobsFollowVisibility() async throws {
        try await withStore { store in
            let (admin, ann, a, b, share) = try await Self.visibilityFixture(store)
            func runs(_ count: Int, of job: CustomJob) async throws {
                for _ in 0..<count {
                    let run = try await store.createRun(jobId: job.id, description: nil, overrides: nil, startedBy: admin)
                    try await store.finishRun(id: run.id, outcome: RunOutcome(status: .succeeded, reason: .exited, exitCode: 0))
                }
            }
            // Each user's list read twice (the second from what was kept) against the list
            // read with a filter that takes every state, which finds the visible jobs anew.
            func check(_ step: String, ann expected: Int) async throws {
                for user in [ann, admin] {
                    let truth = try await store.runs(matching: RunListFilter(states: RunListFilter.State.allCases), visibleTo: user,
                                                     page: PageRequest(limit: 1_000))
                    for _ in 0..<2 {
                        let listed = try await store.runs(matching: RunListFilter(), visibleTo: user, page: PageRequest(limit: 1_000))
                        #expect(listed.items.map(\.run.id) == truth.items.map(\.run.id) && listed.totalCount == truth.totalCount, "\(step)")
                    }
                    if user == ann { #expect(truth.totalCount == expected, "\(step)") }
                }
            }
            try await runs(3, of: a)
            try await runs(2, of: b)
            try await check("no role", ann: 0)
            try await share(a, .user, "ann", .observer)
            try await check("a role given to the user", ann: 3)
            try await runs(2, of: a)
            try await runs(1, of: b)
            try await check("runs created since", ann: 5)
            try await share(b, .group, "team", .user)
            try store.setMembership(group: "team", username: "ann", member: true)
            try await check("the user joined a group with a role", ann: 8)
            try store.setMembership(group: "team", username: "ann", member: false)
            try await check("and left it", ann: 5)
            try store.setMembership(group: "team", username: "ann", member: true)
            try store.deleteGroup("team")
            try await check("the group was deleted", ann: 5)
            try await share(b, .organization, "acme", .observer)
            try await check("a role given to the user's organization", ann: 8)
            _ = try await store.prune(endedBefore: nil, keep: 2)
            try await check("runs pruned", ann: 4)
            try await runs(1, of: b)
            _ = try store.setOrganization(of: "ann", to: "elsewhere")
            try await check("the user moved to another organization", ann: 2)
            try await share(b, .user, "ann", .owner)
            try await store.deleteJob(id: a.id, by: admin)
            try await check("a deleted job's runs leave the list", ann: 3)
            try await share(b, .user, "ann", nil)
            try await check("a role taken away", ann: 0)
            try await store.purgeJob(id: a.id, by: admin)
            try await runs(2, of: b)
            try await check("a job purged, runs created", ann: 0)
        }
    }

    @Test("every page of the runs and jobs lists, read from either end, is the slice of the whole list newest first")
    func pagesFromEitherEnd() async throws {
        try await withStore { store in
            let admin = try store.adminUserId()
            let upload = try exitZeroScript(in: store)
            var jobs: [CustomJob] = []
            for index in 0..<9 { jobs.append(try await store.createJob(JobChanges(name: "job \(index)", uploads: [upload]), ownerId: admin)) }
            var runs: [String] = []
            for _ in 0..<23 { runs.append(try await store.createRun(jobId: jobs[0].id, description: nil, overrides: nil, startedBy: admin).id) }
            try await store.deleteJob(id: jobs[4].id, by: admin)
            let newestRuns = Array(runs.reversed())
            let newestJobs = jobs.filter { $0.id != jobs[4].id }.reversed().map(\.id)
            for limit in [1, 2, 5, 10, 30] {
                for offset in 0...25 {
                    let page = PageRequest(offset: offset, limit: limit)
                    let listedRuns = try await store.runs(jobId: jobs[0].id, scheduledJobId: nil, page: page).items.map(\.id)
                    #expect(listedRuns == Array(newestRuns.dropFirst(offset).prefix(limit)), "runs, offset \(offset), limit \(limit)")
                    let listedJobs = try await store.jobs(matching: JobFilter(), visibleTo: admin, page: page).items.map(\.id)
                    #expect(listedJobs == Array(newestJobs.dropFirst(offset).prefix(limit)), "jobs, offset \(offset), limit \(limit)")
                }
            }
            // Any whole offset is a page past the end, Int.max included (no overflow).
            for offset in [Int.max, Int.max - 1, Int(Int32.max)] {
                let page = PageRequest(offset: offset, limit: PageRequest.maxLimit)
                #expect(try await store.runs(jobId: jobs[0].id, scheduledJobId: nil, page: page).items.isEmpty)
                #expect(try await store.jobs(matching: JobFilter(), visibleTo: admin, page: page).items.isEmpty)
                #expect(try await store.deletedJobs(visibleTo: admin, page: page).items.isEmpty)
            }
        }
    }

    @Test("the runs list across jobs: each filter's total and page match the runs themselves, past the end too")
    func runsAcrossJobsFilters() async throws {
        try await withStore { store in
            let admin = try store.adminUserId()
            let ann = try store.addUser("ann", organization: nil, groups: []).user.id
            let upload = try exitZeroScript(in: store)
            let mine = try await store.createJob(JobChanges(name: "mine", uploads: [upload]), ownerId: admin)
            let other = try await store.createJob(JobChanges(name: "other", uploads: [upload]), ownerId: admin)
            let hidden = try await store.createJob(JobChanges(name: "hidden", uploads: [upload]), ownerId: ann)
            var all: [(id: String, job: String, status: RunStatus, trigger: RunTrigger)] = []
            for index in 0..<12 {
                let job = [mine, other, hidden][index % 3]
                let trigger: RunTrigger = index % 2 == 0 ? .cli : .api
                let run = try await store.createRun(jobId: job.id, description: nil, overrides: nil,
                                                    startedBy: job.id == hidden.id ? ann : admin, trigger: trigger)
                let status: RunStatus = index % 4 == 0 ? .failed : .succeeded
                try await store.finishRun(id: run.id, outcome: RunOutcome(status: status, reason: .exited, exitCode: status == .failed ? 1 : 0))
                all.append((run.id, job.id, status, trigger))
            }
            let visible = all.filter { $0.job != hidden.id }.reversed()
            let cases: [(RunListFilter, [String])] = [
                (RunListFilter(), visible.map(\.id)),
                (RunListFilter(jobId: other.id), visible.filter { $0.job == other.id }.map(\.id)),
                (RunListFilter(jobId: hidden.id), []),
                (RunListFilter(states: [.failed]), visible.filter { $0.status == .failed }.map(\.id)),
                (RunListFilter(states: [.succeeded], jobId: mine.id), visible.filter { $0.status == .succeeded && $0.job == mine.id }.map(\.id)),
                (RunListFilter(triggers: [.cli]), visible.filter { $0.trigger == .cli }.map(\.id)),
                (RunListFilter(idPrefix: String(visible.first!.id.prefix(20))), visible.filter { $0.id.hasPrefix(visible.first!.id.prefix(20)) }.map(\.id)),
            ]
            for (filter, expected) in cases {
                let first = try await store.runs(matching: filter, visibleTo: admin, page: PageRequest(offset: 0, limit: 3))
                #expect(first.totalCount == expected.count && first.items.map(\.run.id) == Array(expected.prefix(3)), "\(filter)")
                let past = try await store.runs(matching: filter, visibleTo: admin, page: PageRequest(offset: 100, limit: 3))
                #expect(past.totalCount == expected.count && past.items.isEmpty, "past the end: \(filter)")
            }
            // Before and after a run: the pages around it, still with the whole total.
            let middle = visible.map(\.id)[3]
            let older = try await store.runs(matching: RunListFilter(cursor: .before(runId: middle)), visibleTo: admin, page: PageRequest(offset: 0, limit: 2))
            #expect(older.items.map(\.run.id) == Array(visible.map(\.id)[4...5]) && older.totalCount == visible.count)
            let newer = try await store.runs(matching: RunListFilter(cursor: .after(runId: middle)), visibleTo: admin, page: PageRequest(offset: 0, limit: 2))
            #expect(newer.items.map(\.run.id) == Array(visible.map(\.id)[1...2]) && newer.totalCount == visible.count)
        }
    }

    @Test("runs across jobs read through a window of the newest runs or job by job: every page and cursor is the same slice, for a user who sees most runs, one who sees a few old ones, and one who sees none",
          arguments: [(2, 1, 1), (5, 2, 2), (64, 3, 3), (4_096, 16, 256)])
    func runsAcrossJobsWindows(minimum: Int, spread: Int, anchorStride: Int) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cjr-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try RunStore(directory: DataDirectory(root: root), resourceBundles: .builtIn, sweep: .whenDue,
                                 logger: Logger(label: "test"), runListWindow: RunListWindow(minimum: minimum, spread: spread),
                                 pageAnchors: PageAnchors(stride: anchorStride))
        let admin = try store.adminUserId()
        let ann = try store.addUser("ann", organization: nil, groups: []).user.id
        let bob = try store.addUser("bob", organization: nil, groups: []).user.id
        let upload = try exitZeroScript(in: store)
        let busy = try await store.createJob(JobChanges(name: "busy", uploads: [upload]), ownerId: admin)
        let quiet = try await store.createJob(JobChanges(name: "quiet", uploads: [upload]), ownerId: admin)
        let anns = try await store.createJob(JobChanges(name: "ann's", uploads: [upload]), ownerId: ann)
        try await store.updateSharedRoles(jobId: quiet.id, [SharedRoleChange(recipient: .name("ann"), recipientType: .user, role: .observer)], by: admin)
        // Ann's runs are all old: a window of the newest runs finds none of hers.
        var runs: [(id: String, job: String)] = []
        for index in 0..<40 {
            let job = index < 4 ? anns : index % 7 == 0 ? quiet : busy
            let run = try await store.createRun(jobId: job.id, description: nil, overrides: nil, startedBy: job.id == anns.id ? ann : admin)
            runs.append((run.id, job.id))
        }
        let newestFirst = Array(runs.reversed())
        for (user, jobs) in [(admin, [busy.id, quiet.id]), (ann, [quiet.id, anns.id]), (bob, [])] {
            let expected = newestFirst.filter { jobs.contains($0.job) }.map(\.id)
            for limit in [1, 3, 10, 100] {
                for offset in stride(from: 0, through: expected.count + limit, by: max(1, limit / 2)) {
                    let page = try await store.runs(matching: RunListFilter(), visibleTo: user, page: PageRequest(offset: offset, limit: limit))
                    let slice = offset < expected.count ? Array(expected[offset..<min(expected.count, offset + limit)]) : []
                    #expect(page.items.map(\.run.id) == slice && page.totalCount == expected.count, "offset \(offset), limit \(limit)")
                }
            }
            for (index, run) in expected.enumerated() {
                for limit in [1, 4] {
                    let older = try await store.runs(matching: RunListFilter(cursor: .before(runId: run)), visibleTo: user, page: PageRequest(offset: 0, limit: limit))
                    #expect(older.items.map(\.run.id) == Array(expected[(index + 1)...].prefix(limit)) && older.totalCount == expected.count)
                    let newer = try await store.runs(matching: RunListFilter(cursor: .after(runId: run)), visibleTo: user, page: PageRequest(offset: 0, limit: limit))
                    #expect(newer.items.map(\.run.id) == Array(expected[..<index].suffix(limit)) && newer.totalCount == expected.count)
                }
            }
            let huge = try await store.runs(matching: RunListFilter(), visibleTo: user, page: PageRequest(offset: .max, limit: 100))
            #expect(huge.items.isEmpty && huge.totalCount == expected.count)
        }
        // A cursor that names no run: an empty page, as the other way reads it.
        let missing = try await store.runs(matching: RunListFilter(cursor: .before(runId: "ffffffffffffffffffffffff")), visibleTo: admin,
                                           page: PageRequest(offset: 0, limit: 5))
        #expect(missing.items.isEmpty)
    }

    @Test("a job's runs list counts exactly its runs as they are created, ended, pruned and purged (the count the triggers keep)")
    func runCountFollowsRuns() async throws {
        try await withStore { store in
            let admin = try store.adminUserId()
            let upload = try exitZeroScript(in: store)
            let jobs = [try await store.createJob(JobChanges(name: "a", uploads: [upload]), ownerId: admin),
                        try await store.createJob(JobChanges(name: "b", uploads: [upload]), ownerId: admin)]
            func listed(_ job: CustomJob) async throws -> Int {
                try await store.runs(jobId: job.id, scheduledJobId: nil, page: PageRequest(offset: 0, limit: 1)).totalCount
            }
            let queue = try DatabaseQueue(path: store.directory.database.path)
            func counted(_ job: CustomJob) async throws -> Int {
                try await queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM run WHERE jobId = ?", arguments: [job.id]) ?? -1 }
            }
            for index in 0..<7 {
                let run = try await store.createRun(jobId: jobs[index % 2].id, description: nil, overrides: nil, startedBy: admin)
                try await store.finishRun(id: run.id, outcome: RunOutcome(status: .succeeded, reason: .exited, exitCode: 0))
            }
            let (first, second) = (try await listed(jobs[0]), try await listed(jobs[1]))
            #expect(first == 4 && second == 3)
            // Across jobs (`customJobRuns/`, the console): the sum of the visible live jobs' counts.
            func listedAcross(jobId: String? = nil) async throws -> Int {
                var filter = RunListFilter()
                filter.jobId = jobId
                return try await store.runs(matching: filter, visibleTo: admin, page: PageRequest(offset: 0, limit: 1)).totalCount
            }
            let (all, one) = (try await listedAcross(), try await listedAcross(jobId: jobs[1].id))
            #expect(all == 7 && one == 3)
            _ = try await store.prune(endedBefore: nil, keep: 1)
            for job in jobs {
                let (shown, actual) = (try await listed(job), try await counted(job))
                #expect(shown == actual && actual == 1)
            }
            try await store.deleteJob(id: jobs[0].id, by: admin)
            let afterDelete = try await listedAcross()
            #expect(afterDelete == 1, "a deleted job's runs leave the list across jobs")
            try await store.purgeJob(id: jobs[0].id, by: admin)
            #expect(try await listed(jobs[1]) == 1)
            _ = try await store.createRun(jobId: jobs[1].id, description: nil, overrides: nil, startedBy: admin)
            let (shown, actual) = (try await listed(jobs[1]), try await counted(jobs[1]))
            #expect(shown == 2 && actual == 2)
        }
    }
}

@Suite("Run log files")
struct RunLogFileTests {
    @Test("an append cuts off what an interrupted one left past the committed length, and never pads a short file with zeros")
    func writeAtCommittedLength() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cjr-log-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("hello, partial".utf8).write(to: file)
        #expect(try RunStore.write(Array("!".utf8), to: file, at: 5) == 5)
        #expect(try String(contentsOf: file, encoding: .utf8) == "hello!")
        // Committed 100, but the file (deleted, its delete not committed) holds 6: written at 6.
        #expect(try RunStore.write(Array("?".utf8), to: file, at: 100) == 6)
        #expect(try String(contentsOf: file, encoding: .utf8) == "hello!?")
    }
}

@Suite("Firing due schedules")
struct ScheduleFiringPassTests {
    @Test("a pass cut short after a firing was made returns that firing (to be submitted); the failed schedule stays due")
    func cutShortPassKeepsItsFirings() async throws {
        try await withStore { store in
            let admin = try store.adminUserId()
            let upload = try exitZeroScript(in: store)
            let first = try await store.createJob(JobChanges(name: "first", uploads: [upload]), ownerId: admin)
            let second = try await store.createJob(JobChanges(name: "second", uploads: [upload]), ownerId: admin)
            let everyMinute = try CronText.parse("* * * * *")
            let created = Timestamp(microseconds: 1_800_000_000_000_000)
            let early = try await store.createSchedule(jobId: first.id, schedule: everyMinute, timeZone: "UTC", overrides: [],
                                                       by: admin, now: created)
            let late = try await store.createSchedule(jobId: second.id, schedule: everyMinute, timeZone: "UTC", overrides: [],
                                                      by: admin, now: Timestamp(microseconds: created.microseconds + 60_000_000))
            // The writer refuses the second job's run (as a full disk or a shutdown would refuse
            // its transaction); a TEMP trigger lives on the writer's connection only.
            try await store.database.writeWithoutTransaction { db in
                try db.execute(sql: """
                    CREATE TEMP TRIGGER refuse BEFORE INSERT ON run WHEN NEW.jobId = '\(second.id)'
                    BEGIN SELECT RAISE(ABORT, 'refused for the test'); END
                    """)
            }
            let now = Timestamp(microseconds: created.microseconds + 10 * 60_000_000)
            let fired = try await store.fireDueSchedules(now: now)
            #expect(fired.map(\.0.id) == [early.id], "the committed firing comes back to be submitted")
            guard case .started(let run, _)? = fired.first?.1 else { Issue.record("no run started: \(fired)"); return }
            #expect(run.customJobId == first.id)
            #expect(try await store.schedule(jobId: second.id, id: late.id).nextRunAt == late.nextRunAt, "still due")
            // With nothing fired, the failure itself is thrown.
            await #expect(throws: DatabaseError.self) { try await store.fireDueSchedules(now: now) }
            try await store.database.writeWithoutTransaction { db in try db.execute(sql: "DROP TRIGGER temp.refuse") }
            let retried = try await store.fireDueSchedules(now: now)
            #expect(retried.map(\.0.id) == [late.id], "the failed one fires on the next pass")
        }
    }
}
