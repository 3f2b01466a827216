import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Listing, deleting and cleaning up custom jobs")
struct JobListTests {
    @Test("lists page newest first, with counts and absolute next/previous links")
    func pagination() async throws {
        try await withServer { api in
            var ids: [String] = []
            for index in 0..<5 { ids.append(try #require(try await api.createJob(name: "job \(index)")["id"].string)) }
            let newestFirst = Array(ids.reversed())

            let first = try JSON(try await api.get("/customJobs/?limit=2"))
            #expect(first["count"].int == 2)
            #expect(first["totalCount"].int == 5)
            #expect(first["data"].array.compactMap { $0["id"].string } == Array(newestFirst[0..<2]))
            #expect(first["previous"].isNull)
            let next = try #require(first["next"].string)
            #expect(next.hasPrefix("http://"))
            #expect(next.hasSuffix("/api/v2/customJobs/?offset=2&limit=2"))

            let middle = try JSON(try await api.get("/customJobs/?offset=2&limit=2"))
            #expect(middle["data"].array.compactMap { $0["id"].string } == Array(newestFirst[2..<4]))
            #expect(middle["previous"].string?.hasSuffix("offset=0&limit=2") == true)

            let last = try JSON(try await api.get("/customJobs/?offset=4&limit=2"))
            #expect(last["count"].int == 1)
            #expect(last["next"].isNull)

            let all = try JSON(try await api.get("/customJobs/"))
            #expect(all["count"].int == 5)
            #expect(all["next"].isNull && all["previous"].isNull)
        }
    }

    @Test("next links keep the other filters")
    func linksKeepFilters() async throws {
        try await withServer { api in
            for index in 0..<3 { _ = try await api.createJob(name: "alpha \(index)") }
            let page = try JSON(try await api.get("/customJobs/?search=alpha&limit=1"))
            let next = try #require(page["next"].string)
            #expect(next.contains("search=alpha"))
        }
    }

    @Test("search matches name or description, case-insensitively")
    func search() async throws {
        try await withServer { api in
            _ = try await api.createJob(name: "Nightly Retrain")
            let described = try await api.postJSON("/customJobs/", #"{"name": "other", "description": "runs NIGHTLY"}"#)
            #expect(described.status == .created)
            _ = try await api.createJob(name: "unrelated")
            let found = try JSON(try await api.get("/customJobs/?search=nightly"))
            #expect(Set(found["data"].array.compactMap { $0["name"].string }) == ["Nightly Retrain", "other"])
            let literal = try JSON(try await api.get("/customJobs/?search=%25"))
            #expect(literal["totalCount"].int == 0, "% is matched literally, not as a wildcard")
        }
    }

    @Test("jobType filters, repeated or comma-separated")
    func jobTypeFilter() async throws {
        try await withServer { api in
            for type in ["default", "notification", "retraining"] {
                #expect(try await api.postJSON("/customJobs/", "{\"name\": \"\(type)\", \"jobType\": \"\(type)\"}").status == .created)
            }
            let one = try JSON(try await api.get("/customJobs/?jobType=notification"))
            #expect(one["data"].array.compactMap { $0["jobType"].string } == ["notification"])
            let two = try JSON(try await api.get("/customJobs/?jobType=notification&jobType=retraining"))
            #expect(two["totalCount"].int == 2)
            let comma = try JSON(try await api.get("/customJobs/?jobType=default,retraining"))
            #expect(comma["totalCount"].int == 2)
            let running = try JSON(try await api.get("/customJobs/?onlyRunning=True"))
            #expect(running["totalCount"].int == 0, "nothing runs yet")
        }
    }

    @Test("invalid list parameters get a 422 naming the parameter", arguments: [
        ("offset=-1", "offset"), ("offset=x", "offset"), ("limit=0", "limit"), ("limit=1001", "limit"),
        ("limit=1.5", "limit"), ("jobType=cron", "jobType"), ("jobType=", "jobType"), ("jobType=default,", "jobType"), ("onlyRunning=yes", "onlyRunning"),
    ])
    func invalidParameters(query: String, field: String) async throws {
        try await withServer { api in
            let response = try await api.get("/customJobs/?\(query)")
            #expect(response.status == .unprocessableContent)
            #expect(try JSON(response)["message"].string?.hasPrefix(field) == true)
        }
    }

    @Test("DELETE soft-deletes: the job leaves the list and GET, and appears among deleted jobs")
    func softDelete() async throws {
        try await withServer { api in
            let keep = try #require(try await api.createJob(name: "keep")["id"].string)
            let gone = try #require(try await api.createJob(name: "gone")["id"].string)
            #expect(try await api.delete("/customJobs/\(gone)/").status == .noContent)
            #expect(try await api.get("/customJobs/\(gone)/").status == .notFound)
            #expect(try await api.delete("/customJobs/\(gone)/").status == .notFound)
            #expect(try JSON(try await api.get("/customJobs/"))["data"].array.compactMap { $0["id"].string } == [keep])
            let deleted = try JSON(try await api.get("/deletedCustomJobs/"))
            #expect(deleted["data"].array.compactMap { $0["id"].string } == [gone])
            #expect(deleted["totalCount"].int == 1)
        }
    }

    @Test("cleanup permanently deletes only soft-deleted jobs")
    func cleanup() async throws {
        try await withServer { api in
            let id = try #require(try await api.createJob()["id"].string)
            let live = try await api.send(.post, "/customJobsCleanup/\(id)/")
            #expect(live.status == .conflict)
            #expect(try JSON(live)["message"].string?.contains("not deleted") == true)
            #expect(try await api.delete("/customJobs/\(id)/").status == .noContent)
            #expect(try await api.send(.post, "/customJobsCleanup/\(id)/").status == .noContent)
            #expect(try JSON(try await api.get("/deletedCustomJobs/"))["totalCount"].int == 0)
            #expect(try await api.send(.post, "/customJobsCleanup/\(id)/").status == .notFound)
        }
    }
}
