import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import CJRTestSupport

@Suite("Creating custom jobs")
struct JobCreateTests {
    @Test("a multipart upload of a nested folder creates every item, with run.sh as entry point")
    func nestedFolder() async throws {
        try await withServer { api in
            let job = try await api.createJob(name: "nested", files: [
                ("run.sh", "#!/bin/bash\npython3 job.py\n"),
                ("job.py", "print('hi')\n"),
                ("pkg/util/helpers.py", "X = 1\n"),
                ("pkg/__init__.py", ""),
            ])
            #expect(job["name"].string == "nested")
            let items = job["items"].array
            #expect(Set(items.compactMap { $0["filePath"].string }) == ["run.sh", "job.py", "pkg/util/helpers.py", "pkg/__init__.py"])
            let helper = try #require(items.first { $0["filePath"].string == "pkg/util/helpers.py" })
            #expect(helper["fileName"].string == "helpers.py")
            #expect(helper["fileSource"].string == "local")
            let runScript = try #require(items.first { $0["filePath"].string == "run.sh" })
            #expect(job["entryPoint"].string == runScript["id"].string)

            // The stored bytes are the uploaded bytes.
            let jobId = try #require(job["id"].string)
            let itemId = try #require(helper["id"].string)
            let content = try JSON(try await api.get("/customJobs/\(jobId)/items/\(itemId)/"))
            #expect(content["content"].string == "X = 1\n")
            #expect(content["filePath"].string == "pkg/util/helpers.py")
        }
    }

    @Test("a new job gets the reference's defaults and every required field")
    func defaults() async throws {
        try await withServer { api in
            let job = try await api.createJob(name: "defaults", files: [("job.py", "print(1)\n")])
            #expect(job["jobType"].string == "default")
            #expect(job["description"].string == "")
            #expect(job["entryPoint"].isNull, "no run.sh, so no entry point")
            #expect(job["environmentId"].string == "000000000000000000000001")
            #expect(job["environmentVersionId"].string == "000000000000000000000002")
            #expect(job["resources"]["egressNetworkPolicy"].string == "public")
            #expect(job["resources"]["resourceBundleId"].isNull)
            #expect(job["lastRun"].isNull)
            #expect(job["runtimeParameters"].array.isEmpty)
            #expect(job["created"].string?.hasSuffix("Z") == true)
            #expect(job["id"].string?.count == 24)
        }
    }

    @Test("a JSON body creates a job with no files")
    func jsonBody() async throws {
        try await withServer { api in
            let response = try await api.postJSON("/customJobs/", """
                {"name": "from json", "description": "d", "jobType": "notification",
                 "resources": {"egressNetworkPolicy": "none", "resourceBundleId": "cpu.small"}}
                """)
            #expect(response.status == .created)
            let job = try JSON(response)
            #expect(job["jobType"].string == "notification")
            #expect(job["resources"]["egressNetworkPolicy"].string == "none")
            #expect(job["resources"]["resourceBundleId"].string == "cpu.small")
            #expect(job["items"].array.isEmpty)
        }
    }

    @Test("without filePath fields each file lands at its own filename")
    func filenameFallback() async throws {
        try await withServer { api in
            var form = MultipartBody()
            form.field("name", "curl style")
            form.file(path: "run.sh", content: Array("echo\n".utf8), filePathField: false)
            let job = try JSON(try await api.sendForm(.post, "/customJobs/", form))
            #expect(job["items"][0]["filePath"].string == "run.sh")
            #expect(job["entryPoint"].string == job["items"][0]["id"].string)
        }
    }

    /// Each case: a body that must be refused with 422 and a message naming `field`.
    static let invalidJSONBodies: [(String, String)] = [
        ("{}", "name"),
        (#"{"name": ""}"#, "name"),
        (#"{"name": "   "}"#, "name"),
        ("{\"name\": \"\(String(repeating: "n", count: 256))\"}", "name"),
        ("{\"name\": \"ok\", \"description\": \"\(String(repeating: "d", count: 10_001))\"}", "description"),
        (#"{"name": 5}"#, "name"),
        (#"{"name": "a", "jobType": "cron"}"#, "jobType"),
        (#"{"name": "a", "resources": {"egressNetworkPolicy": "open"}}"#, "egressNetworkPolicy"),
        (#"{"name": "a", "resources": {}}"#, "egressNetworkPolicy"),
        (#"{"name": "a", "resources": {"egressNetworkPolicy": "none", "resourceBundleId": "gpu.huge"}}"#, "resourceBundleId"),
        (#"{"name": "a", "environmentId": "ffffffffffffffffffffffff"}"#, "environmentId"),
        (#"{"name": "a", "environmentVersionId": "ffffffffffffffffffffffff"}"#, "environmentVersionId"),
        (#"{"name": "a", "colour": "red"}"#, "colour"),
        (#"{"name": "a", "entryPoint": "x"}"#, "entryPoint"),
        (#"{"name": "a", "runtimeParameterValues": "not json"}"#, "runtimeParameterValues"),
        (#"{"name": "a", "runtimeParameterValues": "[{\"fieldName\": \"X\", \"type\": \"string\", \"value\": \"v\"}]"}"#, "X"),
        (#"{"name": "a", "runtimeParameterValues": "[{\"fieldName\": \"X\", \"type\": \"text\", \"value\": \"v\"}]"}"#, "type"),
        (#"[1, 2]"#, "JSON object"),
        (#"{"name": "#, "not valid JSON"),
    ]

    @Test("invalid JSON bodies get a 422 naming the field, and nothing is created", arguments: invalidJSONBodies)
    func invalidJSON(body: String, field: String) async throws {
        try await withServer { api in
            let response = try await api.postJSON("/customJobs/", body)
            #expect(response.status == .unprocessableContent)
            #expect(response.headers[.contentType] == "application/json")
            let message = try #require(try JSON(response)["message"].string)
            #expect(message.contains(field), "\(message)")
            #expect(try JSON(try await api.get("/customJobs/"))["totalCount"].int == 0)
        }
    }

    static let invalidPaths: [(String, String)] = [
        ("/etc/passwd", "absolute"),
        ("../escape.sh", ".."),
        ("a/../../b", ".."),
        ("a\u{0}b", "NUL"),
        ("", "empty"),
        ("a//b", "empty path segment"),
        ("dir/", "empty path segment"),
        ("back\\slash", "backslash"),
        ("new\nline", "control"),
        (Array(repeating: "d", count: 40).joined(separator: "/"), "levels deep"),
        (String(repeating: "x", count: 1_100), "longer than 1024 bytes"),
    ]

    @Test("unsafe file paths are refused with 422 and nothing is stored", arguments: invalidPaths)
    func unsafePaths(path: String, reason: String) async throws {
        try await withServer { api in
            var form = MultipartBody()
            form.field("name", "bad path")
            form.file(path: "ok.sh", content: [1], filePathField: false)
            form.field("filePath", path)
            let response = try await api.sendForm(.post, "/customJobs/", form)
            #expect(response.status == .unprocessableContent)
            let message = try #require(try JSON(response)["message"].string)
            #expect(message.contains("filePath") && message.contains(reason), "\(message)")
            #expect(try JSON(try await api.get("/customJobs/"))["totalCount"].int == 0)
        }
    }

    @Test("a JSON object with a key given twice is refused, naming the key, in bodies and in form fields")
    func duplicateKeys() async throws {
        try await withServer { api in
            let body = try await api.postJSON("/customJobs/", #"{"name": "first", "description": "x", "name": "second"}"#)
            #expect(body.status == .unprocessableContent)
            #expect(try JSON(body)["message"].string == "name: is given more than once in the same JSON object")
            // Escapes do not make a key new: "n\u0061me" is "name".
            let escaped = try await api.postJSON("/customJobs/", #"{"name": "a", "n\u0061me": "b"}"#)
            #expect(escaped.status == .unprocessableContent)
            let nested = try await api.postJSON("/customJobs/", #"{"name": "a", "resources": {"egressNetworkPolicy": "none", "egressNetworkPolicy": "public"}}"#)
            #expect(try JSON(nested)["message"].string == "egressNetworkPolicy: is given more than once in the same JSON object")
            // The same key in different objects is fine.
            let fine = try await api.postJSON("/customJobs/", #"{"name": "ok", "resources": {"resourceBundleId": null, "egressNetworkPolicy": "none"}, "description": "name"}"#)
            #expect(fine.status == .created)
            var form = MultipartBody()
            form.field("name", "form")
            form.field("resources", #"{"egressNetworkPolicy": "none", "egressNetworkPolicy": "public"}"#)
            let formResponse = try await api.sendForm(.post, "/customJobs/", form)
            #expect(formResponse.status == .unprocessableContent)
            #expect(try JSON(formResponse)["message"].string == "resources: egressNetworkPolicy is given more than once in the same JSON object")
            #expect(try JSON(try await api.get("/customJobs/"))["totalCount"].int == 1)
        }
    }

    @Test("a path that is both a file and a folder is refused, in one upload or across an update, and nothing changes")
    func fileAndFolder() async throws {
        try await withServer { api in
            var form = MultipartBody()
            form.field("name", "tree")
            form.file(path: "a", content: [1])
            form.file(path: "a/b", content: [2])
            let created = try await api.sendForm(.post, "/customJobs/", form)
            #expect(created.status == .unprocessableContent)
            #expect(try JSON(created)["message"].string == "filePath: 'a' is a file, so 'a/b' cannot lie in a folder of that name")
            #expect(try JSON(try await api.get("/customJobs/"))["totalCount"].int == 0)

            let job = try await api.createJob(files: [("run.sh", "echo ok\n"), ("lib/x/util.sh", "true\n")])
            let jobId = try #require(job["id"].string)
            var update = MultipartBody()
            update.file(path: "lib/x", content: [3])
            let updated = try await api.sendForm(.patch, "/customJobs/\(jobId)/", update)
            #expect(updated.status == .unprocessableContent)
            #expect(try JSON(updated)["message"].string == "filePath: 'lib/x' is a file, so 'lib/x/util.sh' cannot lie in a folder of that name")
            let unchanged = try JSON(try await api.get("/customJobs/\(jobId)/"))
            #expect(unchanged["items"].array.compactMap { $0["filePath"].string }.sorted() == ["lib/x/util.sh", "run.sh"])
            // Replacing the folder's file by deleting it first works.
            let utilId = try #require(job["items"].array.first { $0["filePath"].string == "lib/x/util.sh" }?["id"].string)
            var replace = MultipartBody()
            replace.field("filesToDelete", utilId)
            replace.file(path: "lib/x", content: [3])
            #expect(try await api.sendForm(.patch, "/customJobs/\(jobId)/", replace).status == .created)
        }
    }

    @Test("the same path twice in one upload is refused")
    func duplicatePaths() async throws {
        try await withServer { api in
            var form = MultipartBody()
            form.field("name", "dup")
            form.file(path: "a.sh", content: [1])
            form.file(path: "./a.sh", content: [2])
            let response = try await api.sendForm(.post, "/customJobs/", form)
            #expect(response.status == .unprocessableContent)
            #expect(try JSON(response)["message"].string?.contains("more than once") == true)
        }
    }

    @Test("file parts and filePath fields must pair up")
    func unpairedFilePaths() async throws {
        try await withServer { api in
            var form = MultipartBody()
            form.field("name", "pairs")
            form.file(path: "a.sh", content: [1])
            form.file(path: "b.sh", content: [2], filePathField: false)
            let response = try await api.sendForm(.post, "/customJobs/", form)
            #expect(response.status == .unprocessableContent)
            #expect(try JSON(response)["message"].string?.contains("filePath") == true)
        }
    }

    @Test("a body over the upload limit gets 413 and leaves no job behind")
    func uploadLimit() async throws {
        try await withServer(maxUploadBytes: 64 * 1024) { api in
            var form = MultipartBody()
            form.field("name", "big")
            form.file(path: "big.bin", content: [UInt8](repeating: 7, count: 200 * 1024))
            let response = try await api.sendForm(.post, "/customJobs/", form)
            #expect(response.status == .contentTooLarge)
            #expect(try JSON(response)["message"].string?.contains("limit") == true)
            #expect(try JSON(try await api.get("/customJobs/"))["totalCount"].int == 0)
        }
    }

    @Test("media types other than JSON and multipart get 415")
    func unsupportedMediaType() async throws {
        try await withServer { api in
            let response = try await api.send(.post, "/customJobs/", headers: [.contentType: "text/plain"], body: ByteBuffer(string: "name=x"))
            #expect(response.status == .unsupportedMediaType)
            #expect(try JSON(response)["message"].string != nil)
        }
    }

    @Test("a malformed or truncated multipart body is a 422, not a crash")
    func malformedMultipart() async throws {
        try await withServer { api in
            let boundary = "xyz"
            for body in ["--xyz\r\nno-colon-header\r\n\r\nv\r\n--xyz--\r\n",
                         "--xyz\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nunfinished",
                         "--xyz\r\nContent-Type: text/plain\r\n\r\nv\r\n--xyz--\r\n"] {
                let response = try await api.send(.post, "/customJobs/", headers: [.contentType: "multipart/form-data; boundary=\(boundary)"],
                                                  body: ByteBuffer(string: body))
                #expect(response.status == .unprocessableContent, "\(body)")
            }
            let missingBoundary = try await api.send(.post, "/customJobs/", headers: [.contentType: "multipart/form-data"],
                                                     body: ByteBuffer(string: "x"))
            #expect(missingBoundary.status == .unprocessableContent)
        }
    }
}
