import Hummingbird
import CJRModel

/// `GET /resourceBundles/` (cjr's own): the bundles a job's `resources.resourceBundleId`
/// may name, with the limits each puts on a run.
struct ResourceBundleRoutes {
    let bundles: ResourceBundles

    func register(on router: RouterGroup<APIRequestContext>) {
        router.get("resourceBundles") { request, _ in
            let page = Page(slicing: bundles.all, request: try request.pageRequest)
            return try JSONResponse.make(ListPayload(page: page, request: request) {
                ResourceBundlePayload($0, isDefault: $0 == bundles.defaultBundle)
            })
        }
        router.get("resourceBundles/:bundleId") { _, context in
            let id = try context.parameters.require("bundleId")
            guard let bundle = bundles.bundle(id: id) else { throw CJRError.notFound("Resource bundle \(id) not found.") }
            return try JSONResponse.make(ResourceBundlePayload(bundle, isDefault: bundle == bundles.defaultBundle))
        }
    }
}
