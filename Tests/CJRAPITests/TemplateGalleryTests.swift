import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import CJRTestSupport
import CJRAPI
import CJRModel
import CJRStore

/// The repository's examples/, the built-in gallery.
private let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("examples")

/// A server whose gallery is examples/.
private func withGalleryServer<Value: Sendable>(_ body: @Sendable (APIClient) async throws -> Value) async throws -> Value {
    var configuration = TestServer().configuration
    configuration.gallery = try TemplateGallery(directory: examples)
    let server = TestServer(configuration: configuration)
    defer { server.removeData() }
    return try await server.run(body)
}

@Suite("Template gallery")
struct TemplateGalleryTests {
    @Test("GET /customJobTemplates/ lists every example folder with its settings and files")
    func listing() async throws {
        try await withGalleryServer { api in
            let list = try JSON(try await api.get("/customJobTemplates/"))
            let ids = list["data"].array.compactMap { $0["id"].string }
            #expect(ids == ["hello-world", "runtime-parameters", "python-client", "failing", "long-running",
                            "hosted-custom-metric", "notification"])
            #expect(list["totalCount"].int == 7)
            let metric = try #require(list["data"].array.first { $0["id"].string == "hosted-custom-metric" })
            #expect(metric["jobType"].string == "hostedCustomMetric")
            #expect(metric["filePaths"].array.compactMap(\.string) == ["README.md", "latency.csv", "metadata.yaml", "run.sh"])
            let page = try JSON(try await api.get("/customJobTemplates/?offset=5&limit=1"))
            #expect(page["data"][0]["id"].string == "hosted-custom-metric")
            #expect(page["next"].string?.hasSuffix("/api/v2/customJobTemplates/?offset=6&limit=1") == true)
            let one = try JSON(try await api.get("/customJobTemplates/failing/"))
            #expect(one["name"].string == "Failing job")
            #expect(try await api.get("/customJobTemplates/nope/").status == .notFound)
        }
    }

    @Test("fromGalleryTemplate creates a job with the template's files, name and type, and it runs")
    func createAndRun() async throws {
        try await withGalleryServer { api in
            let response = try await api.postJSON("/customJobs/fromGalleryTemplate/", #"{"templateId": "hello-world"}"#)
            #expect(response.status == .created)
            let job = try JSON(response)
            #expect(job["name"].string == "Hello world")
            #expect(job["jobType"].string == "default")
            #expect(job["items"].array.compactMap { $0["filePath"].string }.sorted() == ["README.md", "run.sh"])
            let jobId = try #require(job["id"].string)
            let (run, _) = try await api.startRun(jobId)
            let runId = try #require(run["id"].string)
            let final = try await api.waitForRun(jobId, runId)
            #expect(final["status"].string == "succeeded")
            #expect(try await api.logs(jobId, runId).hasPrefix("Hello from a custom job!\n"))
        }
    }

    @Test("multipart: files replace the template's at their path; type, resources and values apply")
    func createWithOverrides() async throws {
        try await withGalleryServer { api in
            var form = MultipartBody()
            form.field("templateId", "notification")
            form.field("description", "our nightly ping")
            form.field("resources", #"{"egressNetworkPolicy": "none"}"#)
            form.field("runtimeParameterValues", #"[{"fieldName": "SUBJECT", "type": "string", "value": "Hi"}]"#)
            form.file(path: "run.sh", content: Array("echo \"$SUBJECT\"\n".utf8))
            let response = try await api.sendForm(.post, "/customJobs/fromGalleryTemplate/", form)
            #expect(response.status == .created, "\(String(buffer: response.body))")
            let job = try JSON(response)
            #expect(job["name"].string == "Webhook notification")
            #expect(job["description"].string == "our nightly ping")
            #expect(job["jobType"].string == "notification")
            #expect(job["resources"]["egressNetworkPolicy"].string == "none")
            let subject = try #require(job["runtimeParameters"].array.first { $0["fieldName"].string == "SUBJECT" })
            #expect(subject["currentValue"].string == "Hi")
            let items = job["items"].array
            #expect(items.compactMap { $0["filePath"].string }.sorted() == ["README.md", "metadata.yaml", "run.sh"])
            let runScript = try #require(items.first { $0["filePath"].string == "run.sh" }?["id"].string)
            let jobId = try #require(job["id"].string)
            let content = try JSON(try await api.get("/customJobs/\(jobId)/items/\(runScript)/"))
            #expect(content["content"].string == "echo \"$SUBJECT\"\n")
        }
    }

    @Test("bad requests are 422s naming the field, and create nothing", arguments: [
        (#"{}"#, "templateId"),
        (#"{"templateId": "nope"}"#, "'nope' is not a template"),
        (#"{"templateId": "failing", "name": "mine"}"#, "name"),
        (#"{"templateId": "failing", "jobType": "batch"}"#, "jobType"),
        (#"{"templateId": 7}"#, "templateId"),
        (#"{"templateId": "failing", "runtimeParameterValues": "[{\"fieldName\": \"X\", \"type\": \"string\", \"value\": \"1\"}]"}"#, "X"),
    ])
    func badRequests(body: String, expected: String) async throws {
        try await withGalleryServer { api in
            let response = try await api.postJSON("/customJobs/fromGalleryTemplate/", body)
            #expect(response.status == .unprocessableContent)
            let message = try JSON(response)["message"].string ?? ""
            #expect(message.contains(expected), "\(message)")
            #expect(try JSON(try await api.get("/customJobs/"))["totalCount"].int == 0)
        }
    }

    @Test("fromHostedCustomMetricGalleryTemplate: a hostedCustomMetric job with the given name; the sidecar fills the deployment parameter")
    func hostedCustomMetric() async throws {
        try await withGalleryServer { api in
            let path = "/customJobs/fromHostedCustomMetricGalleryTemplate/"
            let response = try await api.postJSON(path, """
                {"templateId": "hosted-custom-metric", "name": "Latency of prod", "description": "p95", "sidecarDeploymentId": "65f0d00d00000000000000aa"}
                """)
            #expect(response.status == .created, "\(String(buffer: response.body))")
            let job = try JSON(response)
            #expect(job["name"].string == "Latency of prod")
            #expect(job["description"].string == "p95")
            #expect(job["jobType"].string == "hostedCustomMetric")
            let deployment = try #require(job["runtimeParameters"].array.first { $0["fieldName"].string == "DEPLOYMENT_ID" })
            #expect(deployment["currentValue"].string == "65f0d00d00000000000000aa")
            let (run, log) = try await api.runToEnd(jobId: try #require(job["id"].string))
            #expect(run["status"].string == "succeeded")
            #expect(log.contains("65f0d00d00000000000000aa"), "\(log)")

            for (body, message) in [
                (#"{"templateId": "hello-world", "name": "x"}"#, "templateId: 'hello-world' is a default template, not a hosted custom metric one (those: hosted-custom-metric)"),
                (#"{"templateId": "hosted-custom-metric"}"#, "name: is required"),
                (#"{"name": "x"}"#, "templateId: is required"),
                (#"{"templateId": "hosted-custom-metric", "name": "x", "sidecar": "y"}"#, "sidecar: unknown field"),
                (#"{"templateId": "hosted-custom-metric", "name": 3}"#, "name: must be a string"),
            ] {
                let refused = try await api.postJSON(path, body)
                #expect(refused.status == .unprocessableContent)
                #expect(try JSON(refused)["message"].string?.hasPrefix(message) == true, "\(String(buffer: refused.body))")
            }
            #expect(try JSON(try await api.get("/customJobs/"))["totalCount"].int == 1, "refused requests make no job")
        }
    }

    @Test("every gallery response is documented in openapi.yaml and matches its schema")
    func responsesMatchSpec() async throws {
        let spec = try OpenAPISpec.load()
        try await withGalleryServer { api in
            let tour = SpecTour(api: api, spec: spec)
            let list = "/customJobTemplates/"
            let one = "/customJobTemplates/{templateId}/"
            let create = "/customJobs/fromGalleryTemplate/"
            try await tour.run(.get, list, template: list)
            try await tour.run(.get, "/customJobTemplates/?limit=0", template: list)
            try await tour.run(.get, "/customJobTemplates/hello-world/", template: one)
            try await tour.run(.get, "/customJobTemplates/nope/", template: one)
            try await tour.run(.post, create, template: create, json: #"{"templateId": "failing"}"#)
            try await tour.run(.post, create, template: create, json: #"{"templateId": "nope"}"#)
            try await tour.run(.post, create, template: create, raw: ("text/plain", "x"))
            let metric = "/customJobs/fromHostedCustomMetricGalleryTemplate/"
            try await tour.run(.post, metric, template: metric, json: #"{"templateId": "hosted-custom-metric", "name": "Latency"}"#)
            try await tour.run(.post, metric, template: metric, json: #"{"templateId": "hello-world", "name": "Latency"}"#)
            try await tour.run(.post, metric, template: metric, raw: ("text/plain", "x"))
            try await tour.run(.post, create, template: create, form: {
                var form = MultipartBody()
                form.field("templateId", "hello-world")
                form.file(path: "extra.txt", content: Array("x".utf8))
                return form
            }())
        }
    }

    @Test("fromGalleryTemplate is its own resource: other methods get 405 with Allow: POST, not a job's methods")
    func methodNotAllowed() async throws {
        try await withGalleryServer { api in
            for method: HTTPRequest.Method in [.get, .options, .delete] {
                let response = try await api.send(method, "/customJobs/fromGalleryTemplate/")
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "POST")
            }
        }
    }

    @Test("a server without a gallery lists none and refuses every templateId")
    func noGallery() async throws {
        try await withServer { api in
            #expect(try JSON(try await api.get("/customJobTemplates/"))["totalCount"].int == 0)
            let response = try await api.postJSON("/customJobs/fromGalleryTemplate/", #"{"templateId": "hello-world"}"#)
            #expect(response.status == .unprocessableContent)
        }
    }

    @Test("an invalid gallery.yaml is refused at load, naming the entry and field", arguments: [
        ("templates:\n  - {id: a, name: A}\n  - {id: a, name: B}\n", "templates[1]"),
        ("templates:\n  - {id: missing, name: A}\n", "templates[0]"),
        ("templates:\n  - {id: a, name: A, jobType: batch}\n", "templates[0].jobType"),
        ("templates:\n  - {id: a, name: A, resourceBundleId: gpu.huge}\n", "templates[0].resourceBundleId"),
        ("templates: nope\n", "not a valid gallery"),
    ])
    func invalidGallery(index: String, expected: String) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try FileManager.default.createDirectory(at: scratch.url.appendingPathComponent("a"), withIntermediateDirectories: true)
        try "true\n".write(to: scratch.url.appendingPathComponent("a/run.sh"), atomically: true, encoding: .utf8)
        try index.write(to: scratch.url.appendingPathComponent("gallery.yaml"), atomically: true, encoding: .utf8)
        #expect { try TemplateGallery(directory: scratch.url) } throws: { error in
            "\(error)".contains(expected)
        }
    }
}
