import Hummingbird
import CJRModel

/// The envelope of every list: `count`, `data`, `next`, `previous`, `totalCount`.
struct ListPayload<Element: Encodable & Sendable>: Encodable, Sendable {
    var count: Int
    var data: [Element]
    @ExplicitNull var next: String?
    @ExplicitNull var previous: String?
    var totalCount: Int

    /// Builds the envelope; `next`/`previous` are absolute URLs of the same request with
    /// only `offset` (and `limit`) changed.
    init<Source>(page: Page<Source>, request: Request, transform: (Source) throws -> Element) rethrows {
        data = try page.items.map(transform)
        count = data.count
        totalCount = page.totalCount
        let limit = page.request.limit
        next = page.hasNext ? PageLinks.url(for: request, offset: page.request.offset + limit, limit: limit) : nil
        previous = page.hasPrevious ? PageLinks.url(for: request, offset: max(0, page.request.offset - limit), limit: limit) : nil
    }
}

enum PageLinks {
    /// This server's absolute base URL as the client reached it (the Host header).
    static func origin(of request: Request) -> String {
        "http://" + (request.head.authority ?? "127.0.0.1")
    }

    static func url(for request: Request, offset: Int, limit: Int) -> String {
        var query = request.uri.queryParameters
            .filter { $0.key != "offset" && $0.key != "limit" }
            .map { "\(percentEncode($0.key))=\(percentEncode($0.value))" }
        query.append("offset=\(offset)")
        query.append("limit=\(limit)")
        return origin(of: request) + request.uri.path + "?" + query.joined(separator: "&")
    }

    static func percentEncode(_ text: some StringProtocol) -> String {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
        var out = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) { out.append(Character(Unicode.Scalar(byte))) }
            else { out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2) }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: Swift.max(0, width - count)) + self
    }
}
