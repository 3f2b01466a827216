import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Persistence across restarts")
struct RestartTests {
    @Test("a server restarted on the same data directory has every job, file, deletion and token")
    func restart() async throws {
        let server = TestServer()
        defer { server.removeData() }
        let (jobId, itemId, deletedId, token) = try await server.run { api in
            let job = try await api.createJob(name: "durable", files: [("run.sh", "echo durable\n"), ("deep/er/file.txt", "payload")])
            let deleted = try #require(try await api.createJob(name: "deleted")["id"].string)
            #expect(try await api.delete("/customJobs/\(deleted)/").status == .noContent)
            let item = try #require(job["items"].array.first { $0["filePath"].string == "deep/er/file.txt" }?["id"].string)
            return (try #require(job["id"].string), item, deleted, api.token)
        }
        try await server.run { api in
            #expect(api.token == token, "the admin token is created once")
            let job = try JSON(try await api.get("/customJobs/\(jobId)/"))
            #expect(job["name"].string == "durable")
            #expect(job["items"].array.count == 2)
            #expect(try JSON(try await api.get("/customJobs/\(jobId)/items/\(itemId)/"))["content"].string == "payload")
            #expect(try JSON(try await api.get("/deletedCustomJobs/"))["data"][0]["id"].string == deletedId)
            #expect(try JSON(try await api.get("/customJobs/"))["totalCount"].int == 1)
        }
    }
}
