import Foundation
import Hummingbird
import Logging
import CJRModel
import CJRStore

/// `GET/PATCH /customJobs/{id}/sharedRoles/`: who has access to a job, and changing it.
/// Anyone with a role reads the list; only an OWNER changes it.
struct SharingRoutes {
    let store: RunStore
    let configuration: APIConfiguration

    func register(on router: RouterGroup<APIRequestContext>) {
        router.get("customJobs/:customJobId/sharedRoles", use: list)
        router.patch("customJobs/:customJobId/sharedRoles", use: update)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let jobId = try context.parameters.require("customJobId")
        let (filter, pageRequest) = try await context.parsed(.read, job: jobId, in: store) { () throws -> (SharedRoleFilter, PageRequest) in
            let query = request.uri.queryParameters
            var filter = SharedRoleFilter(id: query["id"].map { String($0) }, name: query["name"].map { String($0) })
            if let raw = query["shareRecipientType"] {
                guard let type = ShareRecipientType(rawValue: String(raw)) else {
                    throw CJRError.invalid("shareRecipientType", "'\(raw)' is not one of user, group, organization")
                }
                filter.recipientType = type
            }
            return (filter, try request.pageRequest)
        }
        let page = try await store.sharedRoles(jobId: jobId, filter: filter, page: pageRequest, checking: try context.access(.read))
        return try JSONResponse.make(ListPayload(page: page, request: request, transform: SharedRolePayload.init))
    }

    /// 204 once every change is applied; nothing is applied when one fails.
    @Sendable func update(_ request: Request, context: APIRequestContext) async throws -> Response {
        let jobId = try context.parameters.require("customJobId")
        try await context.authorize(.share, job: jobId, in: store)
        let example = "{\"operation\": \"updateRoles\", \"roles\": [{\"username\": …, \"role\": …, \"shareRecipientType\": \"user\"}]}"
        guard let object = try await request.jsonObject(maxBytes: configuration.maxJSONBytes, example: example) else {
            throw CJRError.invalid("roles", "a body is required: \(example)")
        }
        let changes = try SharedRolesBody.parse(object)
        try await store.updateSharedRoles(jobId: jobId, changes, by: try context.requireUser.id)
        context.logger.info("custom job sharing changed", metadata: ["job": "\(jobId)", "changes": "\(changes.count)"])
        return Response(status: .noContent)
    }
}
