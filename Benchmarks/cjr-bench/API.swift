import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The few API calls the benchmark makes, over AsyncHTTPClient.
struct API {
    let base: String
    let token: String
    /// Redirects are answers to time, not to follow: `GET /status/{id}/` of an ended run is
    /// a 303 to the run, and the shared client would time both requests as one.
    static let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                   configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    /// The status and body of a request, which must answer 2xx or 3xx.
    func raw(_ method: HTTPMethod, _ path: String, body: ByteBuffer? = nil, contentType: String? = nil) async throws -> ByteBuffer {
        let response = try await Self.client.execute(make(method, path, body: body, contentType: contentType), timeout: .seconds(300))
        let bytes = try await response.body.collect(upTo: Int.max)
        guard response.status.code < 400 else { throw BenchError("\(method) \(path): \(response.status) \(String(buffer: bytes))") }
        return bytes
    }

    private func make(_ method: HTTPMethod, _ path: String, body: ByteBuffer? = nil, contentType: String? = nil) -> HTTPClientRequest {
        // A path of the web console (outside /api/v2) is `console:/…`, signed in by its cookie.
        let console = path.hasPrefix("console:")
        var request = HTTPClientRequest(url: console ? String(base.dropLast("/api/v2".count)) + path.dropFirst("console:".count) : base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if console { request.headers.add(name: "Cookie", value: "cjr_console=\(token)") }
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let body { request.body = .bytes(body) }
        return request
    }

    /// The size of a GET's body, read as it streams (nothing of it kept).
    func count(_ path: String) async throws -> Int {
        let response = try await Self.client.execute(make(.GET, path), timeout: .seconds(600))
        guard response.status.code < 400 else { throw BenchError("GET \(path): \(response.status)") }
        var total = 0
        for try await part in response.body { total += part.readableBytes }
        return total
    }

    func request(_ method: HTTPMethod, _ path: String, body: ByteBuffer? = nil, contentType: String? = nil) async throws -> [String: Any] {
        let response = try await Self.client.execute(make(method, path, body: body, contentType: contentType), timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 24)
        return (try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
    }

    func createJob(script: String = "true\n") async throws -> String {
        let boundary = "cjr-bench"
        let body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nbench\r\n"
            + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"run.sh\"\r\n\r\n\(script)\r\n"
            + "--\(boundary)\r\nContent-Disposition: form-data; name=\"filePath\"\r\n\r\nrun.sh\r\n--\(boundary)--\r\n"
        let job = try await request(.POST, "/customJobs/", body: ByteBuffer(string: body), contentType: "multipart/form-data; boundary=\(boundary)")
        guard let id = job["id"] as? String else { throw BenchError("no job id: \(job)") }
        return id
    }

    /// Starts a run and polls it (every 5 ms, so the polling itself does not load the machine) until it has ended.
    func runOnce(_ job: String, poll: Duration = .milliseconds(5)) async throws -> (id: String, serverSeconds: Double) {
        let created = try await request(.POST, "/customJobs/\(job)/runs/")
        guard let id = created["id"] as? String else { throw BenchError("no run id: \(created)") }
        while true {
            let run = try await request(.GET, "/customJobs/\(job)/runs/\(id)/")
            if let status = run["status"] as? String, !["running", "canceling"].contains(status) {
                guard status == "succeeded" else { throw BenchError("run \(id) ended \(status)") }
                return (id, try serverSeconds(run))
            }
            try await Task.sleep(for: poll)
        }
    }

    /// `endedAt - created`, at the microsecond precision cjr records.
    private func serverSeconds(_ run: [String: Any]) throws -> Double {
        guard let created = (run["created"] as? String).flatMap(Self.seconds), let ended = (run["endedAt"] as? String).flatMap(Self.seconds) else {
            throw BenchError("run without timestamps: \(run)")
        }
        return ended - created
    }

    /// Seconds since the epoch of `2026-11-29T05:05:53.192714Z`.
    static func seconds(_ text: String) -> Double? {
        let formatter = ISO8601DateFormatter()
        let parts = text.dropLast().split(separator: ".")
        guard parts.count == 2, let whole = formatter.date(from: parts[0] + "Z"), let fraction = Double("0." + parts[1]) else { return nil }
        return whole.timeIntervalSince1970 + fraction
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
