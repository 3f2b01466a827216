import Crypto
import Foundation
import Hummingbird
import Logging
import CJRModel
import CJRStore

/// Signing in to the console: the user pastes an API token once; it is kept in an
/// `HttpOnly`, `SameSite=Strict` cookie and checked like a bearer token on every request
/// (a revoked token or a disabled user is signed out at the next page). Every form that
/// changes something carries a CSRF token derived from the session's token.
enum ConsoleSession {
    static let cookieName = "cjr_console"

    /// `Set-Cookie` for a new session (a day long) and for signing out.
    static func cookie(for token: String) -> String {
        "\(cookieName)=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=86400"
    }

    static let expiredCookie = "\(cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"

    /// The session's token from the `Cookie` header.
    static func token(in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
                if parts.count == 2, parts[0] == cookieName, !parts[1].isEmpty { return parts[1] }
            }
        }
        return nil
    }

    /// The CSRF token of a session: an HMAC of a fixed label under its API token, so the
    /// server keeps no state and no other site can compute it.
    static func csrf(for token: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("cjr-console-csrf".utf8), using: SymmetricKey(data: Data(token.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Checks a submitted form's `csrf` field against the session (403 otherwise).
    static func verify(_ form: [String: [String]], token: String) throws {
        let expected = Array(csrf(for: token).utf8)
        let given = Array((form["csrf"]?.first ?? "").utf8)
        // Compared in constant time: the length is public, the content is not.
        guard given.count == expected.count, zip(given, expected).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
            throw CJRError(.forbidden, "This form is stale or did not come from the console (its CSRF token does not match); reload the page and try again.")
        }
    }

    /// An `application/x-www-form-urlencoded` body, at most 1 MiB: name → values in order.
    static func form(_ request: Request) async throws -> [String: [String]] {
        let buffer = try await request.collectBody(maxBytes: 1 << 20)
        let body = String(decoding: buffer.readableBytesView, as: UTF8.self)
        var fields: [String: [String]] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            fields[decode(parts[0]), default: []].append(parts.count > 1 ? decode(parts[1]) : "")
        }
        return fields
    }
}

/// Signs console requests in from the session cookie (the login page and the assets need
/// none; any other page without a valid session is sent to the login page), and turns
/// errors into pages instead of the API's JSON.
struct ConsoleMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let store: RunStore

    static let publicPaths: Set<String> = ["/login", "/console.css", "/console.js"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        // A form posted from another site (the log-in form included, which has no session
        // to derive a CSRF token from) is refused by its Origin, which browsers send.
        if request.method == .post, let origin = request.headers[.origin], !Self.sameOrigin(origin, host: request.head.authority) {
            return ConsolePages.error(CJRError(.forbidden, "This form was sent from another site (\(origin)); the console takes forms only from its own pages."),
                                      request: request, context: context)
        }
        if !Self.publicPaths.contains(request.uri.path) {
            guard let token = ConsoleSession.token(in: request), let user = try await store.authenticate(token: token) else {
                if request.headers[.accept]?.contains("application/json") == true {
                    return Response(status: .unauthorized, headers: [.setCookie: ConsoleSession.expiredCookie])
                }
                return Response(status: .seeOther, headers: [.location: "/login", .setCookie: ConsoleSession.expiredCookie])
            }
            context.user = user
            context.logger[metadataKey: "user"] = "\(user.username)"
        }
        do {
            return try await next(request, context)
        } catch let error as CJRError {
            return ConsolePages.error(error, request: request, context: context)
        } catch let error as HTTPError where error.status == .notFound {
            return ConsolePages.error(CJRError.notFound("There is no such page."), request: request, context: context)
        }
    }

    /// Whether an `Origin` (`http://host:port`) names the host the request was sent to.
    static func sameOrigin(_ origin: String, host: String?) -> Bool {
        guard let host, let url = URL(string: origin), let originHost = url.host else { return false }
        return (url.port.map { "\(originHost):\($0)" } ?? originHost).lowercased() == host.lowercased()
    }
}
