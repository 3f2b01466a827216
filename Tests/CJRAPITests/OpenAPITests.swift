import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import CJRTestSupport
@testable import CJRAPI
import CJRRunner
import CJRStore

/// `openapi.yaml` and the server must describe the same API: the same operations, and
/// every answer the server gives documented with a body that validates.
@Suite("OpenAPI description agrees with the server")
struct OpenAPITests {
    @Test("the spec is parseable and documents exactly the router's operations")
    func sameOperations() async throws {
        let spec = try OpenAPISpec.load()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cjr-openapi-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let configuration = APIConfiguration(dataDirectory: DataDirectory(root: root))
        let store = try RunStore(directory: configuration.dataDirectory)
        let scheduler = try RunScheduler(store: store, configuration: configuration.runner)
        let router = APIServer.makeRouter(store: store, scheduler: scheduler, configuration: configuration)
        // Hummingbird writes a capture as {name}, as OpenAPI does.
        // The API's routes (the console's pages live outside its prefix).
        let routed = Set(router.routes.filter { $0.path.description.hasPrefix(APIServer.pathPrefix) }.map { route in
            "\(route.method.rawValue) \(route.path.description.dropFirst(APIServer.pathPrefix.count))/"
        })
        #expect(routed == spec.operations, "only in router: \(routed.subtracting(spec.operations)); only in spec: \(spec.operations.subtracting(routed))")
    }

    @Test("every response of a tour through the API is documented and matches its schema")
    func responsesMatchSchemas() async throws {
        let spec = try OpenAPISpec.load()
        try await withServer(maxUploadBytes: 32 * 1024) { api in
            let tour = SpecTour(api: api, spec: spec)
            let job = try await tour.run(.post, "/customJobs/", template: "/customJobs/", form: {
                var form = MultipartBody()
                form.field("name", "tour")
                form.file(path: "run.sh", content: Array("echo tour\n".utf8))
                form.file(path: "bin/blob", content: [0xff, 0x00])
                return form
            }())
            let id = try #require(job?["id"].flatMap(\.string))
            let items = job?["items"].flatMap(\.array) ?? []
            let textItem = try #require(items.first { $0["filePath"]?.string == "run.sh" }?["id"]?.string)
            let binaryItem = try #require(items.first { $0["filePath"]?.string == "bin/blob" }?["id"]?.string)
            let jobPath = "/customJobs/{customJobId}/"
            let itemPath = "/customJobs/{customJobId}/items/{itemId}/"

            try await tour.run(.get, "/version/", template: "/version/")
            try await tour.run(.get, "/customJobLimits/", template: "/customJobLimits/")
            try await tour.run(.get, "/customJobs/?limit=1", template: "/customJobs/")
            try await tour.run(.get, "/customJobs/?limit=0", template: "/customJobs/")
            try await tour.run(.get, "/customJobs/", template: "/customJobs/", authorization: "Bearer nope")
            try await tour.run(.post, "/customJobs/", template: "/customJobs/", json: #"{"name": "j", "bogus": 1}"#)
            try await tour.run(.post, "/customJobs/", template: "/customJobs/", json: #"{"name": "json job"}"#)
            try await tour.run(.post, "/customJobs/", template: "/customJobs/", raw: ("text/plain", "x"))
            try await tour.run(.post, "/customJobs/", template: "/customJobs/", form: {
                var form = MultipartBody()
                form.field("name", "too big")
                form.file(path: "big", content: [UInt8](repeating: 1, count: 64 * 1024))
                return form
            }())
            try await tour.run(.get, "/customJobs/\(id)/", template: jobPath)
            try await tour.run(.get, "/customJobs/ffffffffffffffffffffffff/", template: jobPath)
            try await tour.run(.patch, "/customJobs/\(id)/", template: jobPath, json: #"{"description": "toured"}"#)
            try await tour.run(.patch, "/customJobs/\(id)/", template: jobPath, json: #"{"entryPoint": "nope"}"#)
            let sharing = "/customJobs/{customJobId}/sharedRoles/"
            _ = try api.addUser("toured")
            let observer = try api.addUser("observer")
            try await tour.run(.get, "/customJobs/\(id)/sharedRoles/?offset=0&limit=10", template: sharing)
            try await tour.run(.get, "/customJobs/\(id)/sharedRoles/?shareRecipientType=robot", template: sharing)
            try await tour.run(.patch, "/customJobs/\(id)/sharedRoles/", template: sharing,
                               json: #"{"operation": "updateRoles", "roles": [{"username": "observer", "role": "OBSERVER", "shareRecipientType": "user", "canShare": null}]}"#)
            try await tour.run(.patch, "/customJobs/\(id)/sharedRoles/", template: sharing,
                               json: #"{"operation": "updateRoles", "roles": [{"username": "admin", "role": "NO_ROLE", "shareRecipientType": "user"}]}"#)
            try await tour.run(.patch, "/customJobs/\(id)/sharedRoles/", template: sharing,
                               json: #"{"operation": "updateRoles", "roles": [{"username": "ghost", "role": "USER", "shareRecipientType": "user"}]}"#)
            try await tour.run(.patch, "/customJobs/\(id)/sharedRoles/", template: sharing, raw: ("text/plain", "x"))
            try await tour.run(.patch, "/customJobs/\(id)/sharedRoles/", template: sharing,
                               authorization: "Bearer \(observer.token)")
            try await tour.run(.delete, "/customJobs/\(id)/", template: jobPath, authorization: "Bearer \(observer.token)")
            try await tour.run(.get, "/customJobRuns/?status=queued,running,failed&limit=5", template: "/customJobRuns/")
            try await tour.run(.get, "/customJobRuns/?status=finished", template: "/customJobRuns/")
            let schedules = "/customJobs/{customJobId}/schedules/", schedulePath = "/customJobs/{customJobId}/schedules/{scheduleId}/"
            let fields = #""minute": [0, 30], "hour": ["*"], "dayOfMonth": ["*"], "month": ["*"], "dayOfWeek": [1, 5]"#
            let schedule = try await tour.run(.post, "/customJobs/\(id)/schedules/", template: schedules,
                                              json: #"{"schedule": {\#(fields)}, "timeZone": "Europe/Berlin"}"#)
            let scheduleId = try #require(schedule?["id"].flatMap(\.string))
            try await tour.run(.post, "/customJobs/\(id)/schedules/", template: schedules, json: #"{"schedule": {"minute": [61]}}"#)
            try await tour.run(.post, "/customJobs/\(id)/schedules/", template: schedules, raw: ("text/plain", "x"))
            try await tour.run(.post, "/customJobs/\(id)/schedules/", template: schedules, json: #"{"schedule": {\#(fields)}}"#,
                               authorization: "Bearer \(observer.token)")
            try await tour.run(.get, "/customJobs/\(id)/schedules/?limit=1", template: schedules)
            try await tour.run(.get, "/customJobs/ffffffffffffffffffffffff/schedules/", template: schedules)
            try await tour.run(.get, "/customJobs/\(id)/schedules/\(scheduleId)/", template: schedulePath)
            try await tour.run(.get, "/customJobs/\(id)/schedules/ffffffffffffffffffffffff/", template: schedulePath)
            try await tour.run(.patch, "/customJobs/\(id)/schedules/\(scheduleId)/", template: schedulePath, json: #"{"timeZone": null}"#)
            try await tour.run(.patch, "/customJobs/\(id)/schedules/\(scheduleId)/", template: schedulePath, json: #"{"timeZone": "Nowhere"}"#)
            try await tour.run(.delete, "/customJobs/\(id)/schedules/\(scheduleId)/", template: schedulePath,
                               authorization: "Bearer \(observer.token)")
            try await tour.run(.delete, "/customJobs/\(id)/schedules/\(scheduleId)/", template: schedulePath)
            try await tour.run(.get, "/customJobs/\(id)/items/\(textItem)/", template: itemPath)
            try await tour.run(.get, "/customJobs/\(id)/items/\(binaryItem)/", template: itemPath)
            try await tour.run(.get, "/customJobs/\(id)/items/ffffffffffffffffffffffff/", template: itemPath)
            try await tour.run(.post, "/customJobsCleanup/\(id)/", template: "/customJobsCleanup/{customJobId}/")
            try await tour.run(.delete, "/customJobs/\(id)/", template: jobPath)
            try await tour.run(.get, "/deletedCustomJobs/", template: "/deletedCustomJobs/")
            try await tour.run(.post, "/customJobsCleanup/\(id)/", template: "/customJobsCleanup/{customJobId}/")
            try await tour.run(.post, "/customJobsCleanup/\(id)/", template: "/customJobsCleanup/{customJobId}/")
            try await tourRuns(tour)
            let credential = try await tour.run(.post, "/credentials/", template: "/credentials/",
                                                json: #"{"name": "tour", "credentialType": "apiToken", "apiToken": "t"}"#)
            let credentialId = try #require(credential?["credentialId"]?.string)
            try await tour.run(.post, "/credentials/", template: "/credentials/", json: #"{"name": "tour", "credentialType": "apiToken", "apiToken": "t"}"#)
            try await tour.run(.post, "/credentials/", template: "/credentials/", json: #"{"name": "bad", "credentialType": "ftp"}"#)
            try await tour.run(.get, "/credentials/", template: "/credentials/")
            try await tour.run(.get, "/credentials/\(credentialId)/", template: "/credentials/{credentialId}/")
            try await tour.run(.delete, "/credentials/\(credentialId)/", template: "/credentials/{credentialId}/")
            try await tour.run(.get, "/credentials/\(credentialId)/", template: "/credentials/{credentialId}/")
            let environments = try await tour.run(.get, "/executionEnvironments/", template: "/executionEnvironments/")
            let environment = try #require(environments?["data"]?.array?.first?["id"]?.string)
            try await tour.run(.get, "/executionEnvironments/\(environment)/", template: "/executionEnvironments/{environmentId}/")
            let versions = try await tour.run(.get, "/executionEnvironments/\(environment)/versions/",
                                              template: "/executionEnvironments/{environmentId}/versions/")
            let version = try #require(versions?["data"]?.array?.first?["id"]?.string)
            try await tour.run(.get, "/executionEnvironments/\(environment)/versions/\(version)/",
                               template: "/executionEnvironments/{environmentId}/versions/{versionId}/")
            try await tour.run(.get, "/executionEnvironments/\(environment)/versions/ffffffffffffffffffffffff/",
                               template: "/executionEnvironments/{environmentId}/versions/{versionId}/")
            try await tour.run(.get, "/resourceBundles/", template: "/resourceBundles/")
            try await tour.run(.get, "/resourceBundles/cpu.small/", template: "/resourceBundles/{bundleId}/")
            try await tour.run(.get, "/resourceBundles/nope/", template: "/resourceBundles/{bundleId}/")
        }
    }
}

/// The run endpoints and the status resource, in every state the spec documents.
private func tourRuns(_ tour: SpecTour) async throws {
    let api = tour.api
    let runs = "/customJobs/{customJobId}/runs/"
    let runPath = runs + "{runId}/"
    let jobId = try await api.createScriptJob("echo toured\n")
    let slowJob = try await api.createScriptJob("sleep 30\n")
    let noEntry = try #require(try await api.createJob(files: [("x.py", "")])["id"].string)
    let metadata = "runtimeParameterDefinitions:\n  - {fieldName: N, type: numeric, defaultValue: 1, minValue: 0}\n  - {fieldName: S, type: string}\n"
    let withParameters = try #require(try await api.createJob(files: [("metadata.yaml", metadata), ("run.sh", "true\n")])["id"].string)
    try await tour.run(.get, "/customJobs/\(withParameters)/", template: "/customJobs/{customJobId}/")
    let parameterized = try await tour.run(.post, "/customJobs/\(withParameters)/runs/", template: runs,
                                           json: #"{"runtimeParameterValues": [{"fieldName": "N", "type": "numeric", "value": 2}]}"#)
    try await api.waitForRun(withParameters, try #require(parameterized?["id"]?.string))
    try await tour.run(.get, "/customJobs/\(withParameters)/runs/", template: runs)

    let created = try await tour.run(.post, "/customJobs/\(jobId)/runs/", template: runs)
    let runId = try #require(created?["id"]?.string)
    try await tour.run(.post, "/customJobs/\(noEntry)/runs/", template: runs)
    try await tour.run(.post, "/customJobs/\(jobId)/runs/", template: runs, json: #"{"description": "d", "runtimeParameterValues": []}"#)
    try await tour.run(.post, "/customJobs/\(jobId)/runs/", template: runs, json: #"{"bogus": true}"#)
    try await tour.run(.post, "/customJobs/\(jobId)/runs/", template: runs, raw: ("text/plain", "x"))
    try await tour.run(.post, "/customJobs/ffffffffffffffffffffffff/runs/", template: runs)
    let slow = try await tour.run(.post, "/customJobs/\(slowJob)/runs/", template: runs)
    let slowRun = try #require(slow?["id"]?.string)
    let statusId = try #require(slow?["jobStatusId"]?.string)
    try await tour.run(.get, "/status/\(statusId)/", template: "/status/{statusId}/")
    try await api.waitForRun(jobId, runId)

    try await tour.run(.get, "/customJobs/\(jobId)/runs/", template: runs)
    try await tour.run(.get, "/customJobs/\(jobId)/runs/?limit=0", template: runs)
    try await tour.run(.get, "/customJobs/\(jobId)/runs/\(runId)/", template: runPath)
    try await tour.run(.get, "/customJobs/\(jobId)/runs/ffffffffffffffffffffffff/", template: runPath)
    try await tour.run(.patch, "/customJobs/\(jobId)/runs/\(runId)/", template: runPath, json: #"{"description": "patched"}"#)
    try await tour.run(.patch, "/customJobs/\(jobId)/runs/\(runId)/", template: runPath, json: #"{"description": 1}"#)
    let item = try #require(created?["items"]?.array?.first?["id"]?.string)
    try await tour.run(.get, "/customJobs/\(jobId)/runs/\(runId)/items/\(item)/", template: runPath + "items/{itemId}/")
    try await tour.run(.get, "/customJobs/\(jobId)/runs/\(runId)/items/ffffffffffffffffffffffff/", template: runPath + "items/{itemId}/")
    try await tour.run(.get, "/customJobs/\(jobId)/runs/\(runId)/logs/", template: runPath + "logs/")
    try await tour.run(.get, "/customJobs/\(jobId)/runs/\(runId)/logs/?follow=maybe", template: runPath + "logs/")
    try await tour.run(.delete, "/customJobs/\(jobId)/runs/\(runId)/logs/", template: runPath + "logs/")
    try await tour.run(.delete, "/customJobs/\(jobId)/runs/\(runId)/logs/", template: runPath + "logs/")
    try await tour.run(.get, "/customJobs/\(jobId)/runs/\(runId)/logs/", template: runPath + "logs/")
    try await tour.run(.delete, "/customJobs/\(jobId)/runs/\(runId)/", template: runPath)
    try await tour.run(.delete, "/customJobs/\(slowJob)/runs/\(slowRun)/", template: runPath)
    try await api.waitForRun(slowJob, slowRun)
    try await tour.run(.get, "/status/\(statusId)/", template: "/status/{statusId}/")
    try await tour.run(.get, "/status/ffffffffffffffffffffffff/", template: "/status/{statusId}/")
}

/// Sends requests and checks each answer against the spec, recording failures.
struct SpecTour: Sendable {
    let api: APIClient
    let spec: OpenAPISpec

    enum Body { case none, json(String), form(MultipartBody), raw(String, String) }

    @discardableResult
    func run(_ method: HTTPRequest.Method, _ path: String, template: String, json: String? = nil,
             form: MultipartBody? = nil, raw: (String, String)? = nil, authorization: String? = nil) async throws -> [String: JSONValue]? {
        var headers: HTTPFields = [:]
        var body: ByteBuffer?
        if let json { headers[.contentType] = "application/json"; body = ByteBuffer(string: json) }
        if let form { headers[.contentType] = form.contentType; body = ByteBuffer(bytes: form.bytes) }
        if let raw { headers[.contentType] = raw.0; body = ByteBuffer(string: raw.1) }
        let response = try await api.send(method, path, headers: headers, body: body, authorization: authorization)
        let contentType = response.headers[.contentType]
        let parsed: JSONValue?
        if response.body.readableBytes == 0 {
            parsed = nil
        } else if contentType == "application/json" {
            parsed = try JSONDecoder().decode(JSONValue.self, from: Data(response.body.readableBytesView))
        } else {
            parsed = .string(String(buffer: response.body))
        }
        let problems = spec.check(method: method.rawValue, path: template, status: Int(response.status.code),
                                  contentType: contentType, body: parsed)
        #expect(problems.isEmpty, "\(method) \(path): \(problems.joined(separator: "; "))")
        if case .object(let object)? = parsed { return object }
        return nil
    }
}

extension JSONValue {
    var string: String? { if case .string(let text) = self { text } else { nil } }
    var array: [[String: JSONValue]]? {
        guard case .array(let items) = self else { return nil }
        return items.compactMap { if case .object(let object) = $0 { object } else { nil } }
    }
}
