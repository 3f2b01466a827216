import Foundation
import Hummingbird
import NIOCore
import CJRModel

/// Turning views into responses: HTML pages, JSON for the live parts, redirects.
enum ConsolePages {
    static func html(_ view: any ConsoleView, _ template: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        fields[.cacheControl] = "no-store"
        // Nothing but this server's own files, no framing by other sites.
        fields[.init("Content-Security-Policy")!] = "default-src 'self'; frame-ancestors 'none'; form-action 'self'"
        fields[.init("X-Content-Type-Options")!] = "nosniff"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: ConsoleTemplates.render(view, template))))
    }

    static func json(_ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data("{}".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func redirect(_ location: String, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.location] = location
        return Response(status: .seeOther, headers: fields)
    }

    struct ErrorView: ConsoleView {
        var title: String
        var heading: String
        var message: String
        var back: String
    }

    /// An error as a page, with the status the API would give it.
    static func error(_ error: CJRError, request: Request, context: APIRequestContext) -> Response {
        let heading = switch error.kind {
        case .notFound: "Not found"
        case .forbidden: "Not allowed"
        case .invalidInput: "That did not work"
        default: "Something is wrong"
        }
        let back = request.headers[.referer].flatMap { URL(string: $0)?.path } ?? "/"
        return html(ErrorView(title: heading, heading: heading, message: error.message, back: back.isEmpty ? "/" : back), "error",
                    status: error.kind.status)
    }
}
