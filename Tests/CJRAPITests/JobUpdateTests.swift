import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import CJRTestSupport

@Suite("Updating custom jobs")
struct JobUpdateTests {
    @Test("PATCH changes name and description and answers 201, as the reference says")
    func updateFields() async throws {
        try await withServer { api in
            let job = try await api.createJob(name: "before")
            let id = try #require(job["id"].string)
            let response = try await api.postJSON("/customJobs/\(id)/", #"{"name": "after", "description": "now described"}"#, method: .patch)
            #expect(response.status == .created)
            let updated = try JSON(response)
            #expect(updated["name"].string == "after")
            #expect(updated["description"].string == "now described")
            #expect(updated["created"].string == job["created"].string)
            #expect(updated["updated"].string != job["updated"].string)
            #expect(try JSON(try await api.get("/customJobs/\(id)/"))["name"].string == "after")
        }
    }

    @Test("re-uploading a path replaces the file, and the entry point follows it")
    func replaceFile() async throws {
        try await withServer { api in
            let job = try await api.createJob(files: [("run.sh", "echo one\n"), ("lib/a.py", "A = 1\n")])
            let id = try #require(job["id"].string)
            var form = MultipartBody()
            form.file(path: "run.sh", content: Array("echo two\n".utf8))
            let updated = try JSON(try await api.sendForm(.patch, "/customJobs/\(id)/", form))
            #expect(updated["items"].array.count == 2)
            let script = try #require(updated["items"].array.first { $0["filePath"].string == "run.sh" })
            #expect(updated["entryPoint"].string == script["id"].string)
            let scriptId = try #require(script["id"].string)
            #expect(try JSON(try await api.get("/customJobs/\(id)/items/\(scriptId)/"))["content"].string == "echo two\n")
        }
    }

    @Test("entryPoint can name any item of the job, but only of this job")
    func entryPoint() async throws {
        try await withServer { api in
            let job = try await api.createJob(files: [("run.sh", "echo\n"), ("other.sh", "echo other\n")])
            let id = try #require(job["id"].string)
            let other = try #require(job["items"].array.first { $0["filePath"].string == "other.sh" }?["id"].string)
            var form = MultipartBody()
            form.field("entryPoint", other)
            #expect(try JSON(try await api.sendForm(.patch, "/customJobs/\(id)/", form))["entryPoint"].string == other)

            let stranger = try await api.createJob(name: "stranger")
            let foreignItem = try #require(stranger["items"][0]["id"].string)
            let response = try await api.postJSON("/customJobs/\(id)/", "{\"entryPoint\": \"\(foreignItem)\"}", method: .patch)
            #expect(response.status == .unprocessableContent)
            #expect(try JSON(response)["message"].string?.contains("entryPoint") == true)
        }
    }

    @Test("filesToDelete removes items; deleting the entry point clears it")
    func deleteFiles() async throws {
        try await withServer { api in
            let job = try await api.createJob(files: [("run.sh", "echo\n"), ("data.csv", "a,b\n")])
            let id = try #require(job["id"].string)
            let script = try #require(job["entryPoint"].string)
            var form = MultipartBody()
            form.field("filesToDelete", script)
            let updated = try JSON(try await api.sendForm(.patch, "/customJobs/\(id)/", form))
            #expect(updated["items"].array.compactMap { $0["filePath"].string } == ["data.csv"])
            #expect(updated["entryPoint"].isNull)
        }
    }

    @Test("a PATCH that fails part-way changes nothing at all")
    func atomicUpdate() async throws {
        try await withServer { api in
            let job = try await api.createJob(name: "keep", files: [("run.sh", "echo keep\n")])
            let id = try #require(job["id"].string)
            var form = MultipartBody()
            form.field("name", "changed")
            form.file(path: "new.py", content: Array("x\n".utf8))
            form.field("filesToDelete", "ffffffffffffffffffffffff")
            let response = try await api.sendForm(.patch, "/customJobs/\(id)/", form)
            #expect(response.status == .unprocessableContent)
            #expect(try JSON(response)["message"].string?.contains("filesToDelete") == true)
            let after = try JSON(try await api.get("/customJobs/\(id)/"))
            #expect(after["name"].string == "keep")
            #expect(after["items"].array.compactMap { $0["filePath"].string } == ["run.sh"])
            #expect(after["updated"].string == job["updated"].string)
        }
    }

    @Test("fields that cannot change, or do not exist, are refused by name", arguments: [
        (#"{"jobType": "retraining"}"#, "jobType"),
        (#"{"runtimeParameters": "[]"}"#, "runtimeParameters"),
        (#"{"bogus": 1}"#, "bogus"),
        (#"{"description": 5}"#, "description"),
        (#"{"filesToDelete": [1]}"#, "filesToDelete"),
    ])
    func refusedFields(body: String, field: String) async throws {
        try await withServer { api in
            let id = try #require(try await api.createJob()["id"].string)
            let response = try await api.postJSON("/customJobs/\(id)/", body, method: .patch)
            #expect(response.status == .unprocessableContent)
            #expect(try JSON(response)["message"].string?.contains(field) == true)
        }
    }

    @Test("the environment can be switched and must exist")
    func environment() async throws {
        try await withServer { api in
            let id = try #require(try await api.createJob()["id"].string)
            let bad = try await api.postJSON("/customJobs/\(id)/", #"{"environmentId": "abcdefabcdefabcdefabcdef"}"#, method: .patch)
            #expect(bad.status == .unprocessableContent)
            let good = try await api.postJSON("/customJobs/\(id)/", #"{"environmentId": "000000000000000000000001"}"#, method: .patch)
            #expect(good.status == .created)
        }
    }

    @Test("an empty multipart PATCH (what the client sends with nothing to change) is accepted")
    func emptyPatch() async throws {
        try await withServer { api in
            let id = try #require(try await api.createJob(name: "same")["id"].string)
            let empty = MultipartBody()
            let response = try await api.sendForm(.patch, "/customJobs/\(id)/", empty)
            #expect(response.status == .created)
            #expect(try JSON(response)["name"].string == "same")
        }
    }

    @Test("unknown and deleted jobs are 404 for PATCH and item reads")
    func notFound() async throws {
        try await withServer { api in
            let missing = try await api.postJSON("/customJobs/ffffffffffffffffffffffff/", #"{"name": "x"}"#, method: .patch)
            #expect(missing.status == .notFound)
            let job = try await api.createJob()
            let id = try #require(job["id"].string)
            let item = try #require(job["items"][0]["id"].string)
            #expect(try await api.get("/customJobs/\(id)/items/ffffffffffffffffffffffff/").status == .notFound)
            #expect(try await api.delete("/customJobs/\(id)/").status == .noContent)
            #expect(try await api.get("/customJobs/\(id)/items/\(item)/").status == .notFound)
        }
    }

    @Test("a binary item is stored but its content read is a 422")
    func binaryItem() async throws {
        try await withServer { api in
            var form = MultipartBody()
            form.field("name", "binary")
            form.file(path: "model.bin", content: [0xff, 0xfe, 0x00, 0x80])
            let job = try JSON(try await api.sendForm(.post, "/customJobs/", form))
            let id = try #require(job["id"].string)
            let item = try #require(job["items"][0]["id"].string)
            let response = try await api.get("/customJobs/\(id)/items/\(item)/")
            #expect(response.status == .unprocessableContent)
            #expect(try JSON(response)["message"].string?.contains("utf-8") == true)
        }
    }
}
