import Hummingbird
import Logging
import CJRStore

/// Requires `Authorization: Bearer <token>` or `Authorization: Token <token>` (the official
/// Python client's default) on every request, and records the user in the context.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let store: RunStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw APIError(.unauthorized, "Missing Authorization header; send 'Authorization: Bearer <token>' (`cjr token` prints it).")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, ["bearer", "token"].contains(parts[0].lowercased()) else {
            throw APIError(.unauthorized, "Authorization header must be 'Bearer <token>' or 'Token <token>'.")
        }
        let token = parts[1].trimmingWhitespace()
        guard let user = try await store.authenticate(token: token) else {
            throw APIError(.unauthorized, "Invalid or revoked API token.")
        }
        var context = context
        context.user = user
        context.logger[metadataKey: "user"] = "\(user.username)"
        return try await next(request, context)
    }
}
