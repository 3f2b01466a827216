import Hummingbird
import CJRModel
import CJRStore

/// Read-only execution environments in the platform's shapes; `cjr environments add`
/// manages them.
struct EnvironmentRoutes {
    let store: RunStore

    func register(on router: RouterGroup<APIRequestContext>) {
        router.get("executionEnvironments") { request, _ in
            let page = Page(slicing: try await store.environments(), request: try request.pageRequest)
            return try JSONResponse.make(ListPayload(page: page, request: request, transform: EnvironmentPayload.init))
        }
        router.get("executionEnvironments/:environmentId") { _, context in
            let environment = try await store.environment(id: try context.parameters.require("environmentId"))
            return try JSONResponse.make(EnvironmentPayload(environment))
        }
        router.get("executionEnvironments/:environmentId/versions") { request, context in
            let environment = try await store.environment(id: try context.parameters.require("environmentId"))
            // Newest first, as on the platform.
            let page = Page(slicing: Array(environment.versions.reversed()), request: try request.pageRequest)
            return try JSONResponse.make(ListPayload(page: page, request: request, transform: EnvironmentVersionPayload.init))
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
