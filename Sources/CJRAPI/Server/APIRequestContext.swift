import Hummingbird
import CJRStore

/// The request context of every API route: Hummingbird's core storage plus the user
/// the authentication middleware found.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var user: AuthenticatedUser?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// The authenticated user; routes only run behind ``AuthenticationMiddleware``.
    var requireUser: AuthenticatedUser {
        get throws {
            guard let user else { throw APIError(.unauthorized, "Authentication required.") }
            return user
        }
    }
}
