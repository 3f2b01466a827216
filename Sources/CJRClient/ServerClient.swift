import AsyncHTTPClient
import Synchronization
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A client of a cjr (or DataRobot) custom-jobs API: authenticated requests against
/// `<server>/api/v2/…`, answers as raw JSON, and errors as one readable line.
public struct ServerClient: Sendable {
    /// The API root, e.g. `http://127.0.0.1:8080/api/v2`.
    public let endpoint: String
    let token: String
    let http: HTTPClient

    /// `server` may be `http://host:port` or the API root itself (`…/api/v2`).
    /// Where the token came from (`--token`, `$CJR_TOKEN`, a token file), for a 401's message.
    let tokenSource: String?

    public init(server: String, token: String, tokenSource: String? = nil, http: HTTPClient = ServerClient.http) throws(ClientError) {
        var root = server.hasSuffix("/") ? String(server.dropLast()) : server
        guard root.hasPrefix("http://") || root.hasPrefix("https://") else {
            throw ClientError("--server must be an http:// or https:// URL, got '\(server)'")
        }
        if !root.hasSuffix("/api/v2") { root += "/api/v2" }
        endpoint = root
        self.token = token
        self.tokenSource = tokenSource
        self.http = http
    }

    /// One process-wide client, like `HTTPClient.shared`, but giving up on a server that
    /// does not answer within 3 s (the shared one keeps retrying a refused connection for
    /// 90 s), and following no redirects: the API's 303s are answers, not detours.
    public static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: .seconds(3))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// The methods the API uses (NIO's own type stays inside this module).
    public enum Method: Sendable {
        case get, post, patch, delete

        var nio: HTTPMethod {
            switch self {
            case .get: .GET
            case .post: .POST
            case .patch: .PATCH
            case .delete: .DELETE
            }
        }
    }

    /// A JSON request; `path` is relative to the API root (`customJobs/…/`).
    public func json(_ method: Method, _ path: String, body: (any Encodable & Sendable)? = nil) async throws -> Data {
        var request = makeRequest(method, path)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(body)))
        }
        return try await send(request)
    }

    /// Every page of a list, following `next` until it is null: the items and each page's JSON.
    public func all<Element: Decodable & Sendable>(_ path: String, as type: Element.Type) async throws -> (items: [Element], pages: [Data]) {
        var items: [Element] = []
        var pages: [Data] = []
        var next: String? = path
        while let current = next {
            let page = try await json(.get, current)
            pages.append(page)
            let view = try page.decoded(as: ListView<Element>.self)
            items += view.data
            next = try view.next.map { url in
                guard let range = url.range(of: "/api/v2/") else { throw ClientError("unexpected next page URL from the server: \(url)") }
                return String(url[range.upperBound...])
            }
        }
        return (items, pages)
    }

    /// A multipart request, streamed from disk; `progress` hears of each piece sent (bytes
    /// of the body so far).
    public func upload(_ method: Method, _ path: String, form: MultipartUpload,
                       progress: (@Sendable (Int64) -> Void)? = nil) async throws -> Data {
        var request = makeRequest(method, path)
        request.headers.add(name: "Content-Type", value: form.contentType)
        if let progress {
            let sent = SentBytes()
            request.body = .stream(form.chunks().map { piece in
                progress(sent.add(Int64(piece.readableBytes)))
                return piece
            }, length: .known(form.length))
        } else {
            request.body = .stream(form.chunks(), length: .known(form.length))
        }
        return try await send(request)
    }

    /// A text body, written to `output` piece by piece as it arrives (`logs/?follow=true`).
    public func stream(_ path: String, to output: FileHandle) async throws {
        let response = try await http.execute(makeRequest(.get, path), timeout: .hours(24))
        guard (200..<300).contains(response.status.code) else {
            let body = try await response.body.collect(upTo: 1 << 20)
            throw ClientError(status: response.status, body: Data(buffer: body), tokenSource: tokenSource)
        }
        for try await piece in response.body {
            try output.write(contentsOf: Data(buffer: piece))
        }
    }

    /// A connection failure in a few words (NIO's own descriptions are long).
    private static func reason(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("refused") { return "connection refused" }
        if let error = error as? HTTPClientError, error == .connectTimeout || error == .deadlineExceeded { return "no answer" }
        return text
    }

    private func makeRequest(_ method: Method, _ path: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: "\(endpoint)/\(path)")
        request.method = method.nio
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "application/json")
        return request
    }

    private func send(_ request: HTTPClientRequest) async throws -> Data {
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .seconds(300))
        } catch {
            throw ClientError("cannot reach \(endpoint) (\(Self.reason(error))); is `cjr serve` running there?")
        }
        let body = Data(buffer: try await response.body.collect(upTo: 64 << 20))
        guard (200..<300).contains(response.status.code) else { throw ClientError(status: response.status, body: body, tokenSource: tokenSource) }
        return body
    }
}

/// What went wrong, as one line: the server's own message when it sent one.
public struct ClientError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// The HTTP status, when the server answered.
    public let status: Int?

    public init(_ description: String) {
        self.description = description
        status = nil
    }

    init(status: HTTPResponseStatus, body: Data, tokenSource: String? = nil) {
        let message = (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["message"] as? String
            ?? String(decoding: body.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        description = "server said \(status.code) \(status.reasonPhrase): \(message.isEmpty ? "(no message)" : message)"
            + (status.code == 401 ? tokenSource.map { " (the token came from \($0))" } ?? "" : "")
        self.status = Int(status.code)
    }
}

/// A running total, shared with the body stream's transform.
private final class SentBytes: Sendable {
    private let total = Mutex<Int64>(0)

    func add(_ bytes: Int64) -> Int64 { total.withLock { $0 += bytes; return $0 } }
}
