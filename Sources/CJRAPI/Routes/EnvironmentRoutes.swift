import Hummingbird
import CJRModel
import CJRStore

/// Read-only execution environments in the platform's shapes; `cjr environments add`
/// manages them.
struct EnvironmentRoutes {
    let store: RunStore

    func register(on router: RouterGroup<APIRequestContext>) {
        router.get("executionEnvironments") { request, _ in
            let page = try request.pageRequest
            let all = try await store.environments()
            let slice = Array(all.dropFirst(page.offset).prefix(page.limit))
            return try JSONResponse.make(ListPayload(page: Page(items: slice, totalCount: all.count, request: page),
                                                     request: request, transform: EnvironmentPayload.init))
        }
        router.get("executionEnvironments/:environmentId") { _, context in
            let environment = try await store.environment(id: try context.parameters.require("environmentId"))
            return try JSONResponse.make(EnvironmentPayload(environment))
        }
        router.get("executionEnvironments/:environmentId/versions") { request, context in
            let page = try request.pageRequest
            let environment = try await store.environment(id: try context.parameters.require("environmentId"))
            // Newest first, as on the platform.
            let versions = Array(environment.versions.reversed())
            let slice = Array(versions.dropFirst(page.offset).prefix(page.limit))
            return try JSONResponse.make(ListPayload(page: Page(items: slice, totalCount: versions.count, request: page),
                                                     request: request, transform: EnvironmentVersionPayload.init))
        }
        router.get("executionEnvironments/:environmentId/versions/:versionId") { _, context in
            let environment = try await store.environment(id: try context.parameters.require("environmentId"))
            let versionId = try context.parameters.require("versionId")
            guard let version = environment.versions.first(where: { $0.id == versionId }) else {
                throw CJRError.notFound("Execution environment version \(versionId) not found.")
            }
            return try JSONResponse.make(EnvironmentVersionPayload(version))
        }
    }
}
