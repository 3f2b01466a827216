import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore

/// A thin authenticated client over Hummingbird's live test client, with helpers to
/// send JSON and multipart bodies and read JSON answers.
struct APIClient: Sendable {
    let client: any TestClientProtocol
    let token: String

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
        try await send(method, path, headers: [.contentType: form.contentType], body: form.buffer)
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

/// A multipart/form-data body built the way the official client builds it: a `file` part
/// (filename = basename) followed by its `filePath` field.
struct MultipartBody: Sendable {
    let boundary = "cjr-test-\(UUID().uuidString)"
    private var bytes: [UInt8] = []

    mutating func field(_ name: String, _ value: String) {
        append("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
    }

    mutating func file(path: String, content: [UInt8], filePathField: Bool = true, fieldName: String = "file") {
        let basename = path.split(separator: "/").last.map(String.init) ?? path
        append("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(fieldName)\"; filename=\"\(basename)\"\r\n")
        append("Content-Type: application/octet-stream\r\n\r\n")
        bytes += content
        append("\r\n")
        if filePathField { field("filePath", path) }
    }

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    var buffer: ByteBuffer { ByteBuffer(bytes: bytes + Array("--\(boundary)--\r\n".utf8)) }

    private mutating func append(_ text: String) { bytes += Array(text.utf8) }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
