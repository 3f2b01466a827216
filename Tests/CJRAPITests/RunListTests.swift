import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import CJRModel
import CJRTestSupport
@testable import CJRAPI
import CJRRunner
import CJRStore

/// `GET /customJobRuns/`: runs across jobs, as each user may see them, filtered by state,
/// job, schedule and ID prefix.
@Suite("Runs across jobs")
struct RunListTests {
    @Test("runs of every visible job, newest first, by state (queued and running apart), job and ID prefix; none of others' or deleted jobs")
    func acrossJobs() async throws {
        try await withServer(maxRuns: 1) { admin in
            let bob = try admin.addUser("bob")
            let blocker = try await admin.createScriptJob("until [ -e go ]; do sleep 0.05; done\n", name: "blocker")
            let failing = try await admin.createScriptJob("exit 3\n", name: "failing")
            let bobs = try await bob.createScriptJob("true\n", name: "bob's")
            let (failed, _) = try await admin.runToEnd(jobId: failing)
            let (bobsRun, _) = try await bob.runToEnd(jobId: bobs)
            let blocking = try #require(try await admin.startRun(blocker).run["id"].string)
            try await admin.waitForRun(blocker, blocking) { $0["startedAt"].string != nil }
            let queued = try #require(try await admin.startRun(failing).run["id"].string)

            func list(_ client: APIClient, _ query: String = "") async throws -> [JSON] {
                let response = try await client.get("/customJobRuns/\(query)")
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                return try JSON(response)["data"].array
            }
            let all = try await list(admin)
            #expect(all.map { $0["id"].string } == [queued, blocking, failed["id"].string], "the admin does not see bob's job")
            #expect(all.map { $0["customJobName"].string } == ["failing", "blocker", "failing"])
            #expect(all[0]["queuePosition"].int == 0)
            #expect(try await list(bob).map { $0["id"].string } == [bobsRun["id"].string])

            #expect(try await list(admin, "?status=queued").map { $0["id"].string } == [queued])
            #expect(try await list(admin, "?status=running").map { $0["id"].string } == [blocking])
            #expect(try await list(admin, "?status=queued,running").count == 2)
            #expect(try await list(admin, "?status=failed").map { $0["id"].string } == [failed["id"].string])
            #expect(try await list(admin, "?customJobId=\(failing)").count == 2)
            #expect(try await list(admin, "?customJobId=\(bobs)").isEmpty, "a job without a role is simply empty")
            #expect(try await list(admin, "?idPrefix=\(blocking.prefix(20))").map { $0["id"].string } == [blocking])
            let page = try JSON(try await admin.get("/customJobRuns/?limit=1&offset=1"))
            #expect(page["totalCount"].int == 3 && page["data"][0]["id"].string == blocking)

            for (query, message) in [("?status=done", "status: 'done' is not one of"), ("?status=Queued", "did you mean 'queued'?"),
                                     ("?idPrefix=ABCD", "idPrefix: must be 1 to 24 lowercase hex digits")] {
                let response = try await admin.get("/customJobRuns/\(query)")
                #expect(response.status == .unprocessableContent)
                #expect(try JSON(response)["message"].string?.contains(message) == true, "\(String(buffer: response.body))")
            }

            // Keyset pages (the console's): before and after a run, whatever the depth.
            let store = try admin.localStore()
            let adminId = try #require(try store.users().first { $0.username == "admin" }?.id)
            func ids(_ cursor: RunListFilter.Cursor, limit: Int) async throws -> [String?] {
                try await store.runs(matching: RunListFilter(cursor: cursor), visibleTo: adminId, page: PageRequest(offset: 0, limit: limit))
                    .items.map { Optional($0.run.id) }
            }
            #expect(try await ids(.before(runId: queued), limit: 1) == [blocking])
            #expect(try await ids(.before(runId: queued), limit: 5) == [blocking, failed["id"].string])
            #expect(try await ids(.after(runId: failed["id"].string ?? ""), limit: 1) == [blocking], "the page just newer")
            #expect(try await ids(.after(runId: failed["id"].string ?? ""), limit: 5) == [queued, blocking])

            try await admin.release(blocker, blocking)
            try await admin.waitForRun(failing, queued)
            #expect(try await admin.delete("/customJobs/\(failing)/").status == .noContent)
            #expect(try await list(admin).map { $0["id"].string } == [blocking], "a deleted job's runs leave the list")
        }
    }
}
