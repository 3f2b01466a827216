import Hummingbird
import Synchronization

/// The API's routes as patterns, to answer a known path with an unsupported method by 405
/// and an `Allow` header (Hummingbird's router alone says 404 for both).
final class RouteTable: Sendable {
    private struct Route {
        var segments: [Substring]
        var methods: Set<String>
    }

    private let routes = Mutex<[Route]>([])

    /// Fills the table from the router once every route is registered.
    func load<Context>(from router: Router<Context>) {
        var table: [String: Route] = [:]
        for route in router.routes {
            let key = route.path.description
            table[key, default: Route(segments: key.split(separator: "/"), methods: [])].methods.insert(route.method.rawValue)
        }
        routes.withLock { $0 = Array(table.values) }
    }

    /// The methods a path supports, or nil when no route has that shape.
    func methods(for path: String) -> Set<String>? {
        let parts = path.split(separator: "/")
        let matching = routes.withLock { routes in
            routes.filter { route in
                route.segments.count == parts.count
                    && zip(route.segments, parts).allSatisfy { pattern, part in pattern.hasPrefix("{") || pattern == part }
            }
        }
        // Like the router, a literal segment wins over a capture: `customJobs/fromGalleryTemplate`
        // is its own resource, not a `customJobs/{customJobId}`.
        guard let best = matching.map(Self.specificity).max(by: { $0.lexicographicallyPrecedes($1) }) else { return nil }
        return matching.filter { Self.specificity($0) == best }.reduce(into: Set<String>()) { $0.formUnion($1.methods) }
    }

    /// Which segments are literals, as 1s and 0s to compare left to right.
    private static func specificity(_ route: Route) -> [Int] {
        route.segments.map { $0.hasPrefix("{") ? 0 : 1 }
    }
}
