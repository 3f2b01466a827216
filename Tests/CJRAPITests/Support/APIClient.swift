import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import CJRStore
import CJRTestSupport

/// A thin authenticated client over Hummingbird's live test client, with helpers to
/// send JSON and multipart bodies and read JSON answers.
struct APIClient: Sendable {
    let client: any TestClientProtocol
    let token: String
    /// The server's data directory, to reach a run's working directory (`job/`) from the
    /// test: the only host path a contained run and the test both see.
    var dataRoot: URL? = nil

    /// A run's working directory on the host.
    func workingDirectory(ofRun runId: String) -> URL {
        (dataRoot ?? URL(fileURLWithPath: "/nonexistent")).appendingPathComponent("runs/\(runId)/job")
    }

    static let prefix = "/api/v2"

    @discardableResult
    func send(_ method: HTTPRequest.Method, _ path: String, headers: HTTPFields = [:], body: ByteBuffer? = nil,
              authorization: String? = nil) async throws -> TestResponse {
        var fields = headers
        if fields[.authorization] == nil { fields[.authorization] = authorization ?? "Bearer \(token)" }
        return try await client.executeRequest(uri: Self.prefix + path, method: method, headers: fields, body: body)
    }

    func get(_ path: String) async throws -> TestResponse { try await send(.get, path) }

    func delete(_ path: String) async throws -> TestResponse { try await send(.delete, path) }

    func postJSON(_ path: String, _ json: String, method: HTTPRequest.Method = .post) async throws -> TestResponse {
        try await send(method, path, headers: [.contentType: "application/json"], body: ByteBuffer(string: json))
    }

    func sendForm(_ method: HTTPRequest.Method, _ path: String, _ form: MultipartBody) async throws -> TestResponse {
        try await send(method, path, headers: [.contentType: form.contentType], body: ByteBuffer(bytes: form.bytes))
    }

    /// Creates a job from `files` (path → content) and returns its JSON.
    func createJob(name: String = "job", files: [(String, String)] = [("run.sh", "echo hello\n")],
                   extraFields: [(String, String)] = []) async throws -> JSON {
        var form = MultipartBody()
        form.field("name", name)
        for (key, value) in extraFields { form.field(key, value) }
        for (path, content) in files { form.file(path: path, content: Array(content.utf8)) }
        let response = try await sendForm(.post, "/customJobs/", form)
        guard response.status == .created else {
            throw TestFailure("create job failed: \(response.status) \(String(buffer: response.body))")
        }
        return try JSON(response)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension APIClient {
    /// Creates a job whose run.sh is `script` and returns (jobId, job JSON).
    func createScriptJob(_ script: String, name: String = "script", extraFiles: [(String, String)] = []) async throws -> String {
        let job = try await createJob(name: name, files: [("run.sh", script)] + extraFiles)
        guard let id = job["id"].string else { throw TestFailure("no job id in \(job)") }
        return id
    }

    /// Starts a run (empty body, as the official client sends it) and returns its JSON and
    /// the Location header.
    func startRun(_ jobId: String, body: String? = nil) async throws -> (run: JSON, location: String?) {
        let response: TestResponse
        if let body {
            response = try await postJSON("/customJobs/\(jobId)/runs/", body)
        } else {
            response = try await send(.post, "/customJobs/\(jobId)/runs/")
        }
        guard response.status == .created else {
            throw TestFailure("run create failed: \(response.status) \(String(buffer: response.body))")
        }
        return (try JSON(response), response.headers[.location])
    }

    func run(_ jobId: String, _ runId: String) async throws -> JSON {
        try JSON(try await get("/customJobs/\(jobId)/runs/\(runId)/"))
    }

    /// Polls the run until `condition` holds, failing after `timeout` seconds.
    @discardableResult
    func waitForRun(_ jobId: String, _ runId: String, timeout: Double = 30,
                    until condition: (JSON) -> Bool = { ["succeeded", "failed", "interrupted", "canceled"].contains($0["status"].string ?? "") }
    ) async throws -> JSON {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let run = try await run(jobId, runId)
            if condition(run) { return run }
            if Date() > deadline { throw TestFailure("run \(runId) did not reach the expected state in \(timeout)s: \(run)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Lets a run of `until [ -e go ]; …` go on: waits until it has started (its working
    /// directory exists only from then on), then creates `go` there.
    func release(_ jobId: String, _ runId: String) async throws {
        try await waitForRun(jobId, runId) { $0["startedAt"].string != nil }
        let gate = workingDirectory(ofRun: runId).appendingPathComponent("go")
        guard FileManager.default.createFile(atPath: gate.path, contents: nil) else {
            throw TestFailure("cannot create \(gate.path)")
        }
    }

    func logs(_ jobId: String, _ runId: String) async throws -> String {
        let response = try await get("/customJobs/\(jobId)/runs/\(runId)/logs/")
        return response.status == .ok ? String(buffer: response.body) : ""
    }

    /// Runs `script` as a job to the end and returns (final run JSON, log).
    func runToEnd(_ script: String, timeout: Double = 30) async throws -> (run: JSON, log: String) {
        try await runToEnd(jobId: try await createScriptJob(script), timeout: timeout)
    }

    /// Runs an existing job to the end and returns (final run JSON, log).
    func runToEnd(jobId: String, timeout: Double = 30) async throws -> (run: JSON, log: String) {
        let (run, _) = try await startRun(jobId)
        guard let runId = run["id"].string else { throw TestFailure("no run id") }
        let final = try await waitForRun(jobId, runId, timeout: timeout)
        return (final, try await logs(jobId, runId))
    }
}


extension APIClient {
    /// The server's store, opened beside it as `cjr users` and `cjr tokens` do.
    func localStore() throws -> RunStore {
        guard let dataRoot else { throw TestFailure("no data directory") }
        return try RunStore(directory: DataDirectory(root: dataRoot))
    }

    /// The same server with another token.
    func with(token: String) -> APIClient {
        APIClient(client: client, token: token, dataRoot: dataRoot)
    }

    /// Adds a user (created the way `cjr users add` does) and returns a client that acts
    /// as them with a fresh token.
    func addUser(_ username: String, organization: String? = nil, groups: [String] = []) throws -> APIClient {
        let store = try localStore()
        _ = try store.addUser(username, organization: organization, groups: groups)
        return with(token: try store.createToken(for: username, name: "test", lifetime: nil).secret)
    }

    /// Gives `recipient` `role` on a job through the API (as the client's user).
    func share(_ jobId: String, with recipient: String, as role: String, type: String = "user") async throws {
        let response = try await postJSON("/customJobs/\(jobId)/sharedRoles/", """
            {"operation": "updateRoles", "roles": [{"username": "\(recipient)", "role": "\(role)", "shareRecipientType": "\(type)"}]}
            """, method: .patch)
        guard response.status == .noContent else {
            throw TestFailure("sharing failed: \(response.status) \(String(buffer: response.body))")
        }
    }
}
