import Hummingbird
import CJRModel
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

extension APIRequestContext {
    /// Checks that the request's user may do `permission` on job `jobId` (404 as for a
    /// missing job when they have no role on it, 403 when their role is too weak).
    @discardableResult
    func authorize(_ permission: JobPermission, job jobId: String, in store: RunStore, deleted: Bool = false) async throws -> JobRole {
        try await store.authorize(permission, jobId: jobId, userId: try requireUser.id, deleted: deleted)
    }

    /// The request's user needing `permission`, for a store read that checks it in its own
    /// transaction (one trip to the database, not two).
    func access(_ permission: JobPermission) throws -> JobAccess {
        JobAccess(userId: try requireUser.id, permission: permission)
    }

    /// What `parse` reads from the request, for a route whose store read checks ``access(_:)``
    /// itself: a malformed request is refused as such (422) only to who may `permission` job
    /// `jobId`; anyone else gets the 404 any request of theirs gets.
    func parsed<Value>(_ permission: JobPermission, job jobId: String, in store: RunStore,
                       _ parse: () throws -> Value) async throws -> Value {
        do {
            return try parse()
        } catch {
            try await authorize(permission, job: jobId, in: store)
            throw error
        }
    }
}
