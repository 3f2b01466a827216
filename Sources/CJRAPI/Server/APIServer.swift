import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import Logging
import CJRModel
import CJRRunner
import CJRStore

/// Builds the cjr API server: the store, the admin bootstrap and the router.
public enum APIServer {
    /// Everything under this prefix is the API.
    public static let pathPrefix = "/api/v2"

    /// Opens the store in `configuration.dataDirectory`, creates the admin token on first
    /// start, and returns the application ready to run (it handles SIGTERM/SIGINT itself).
    public static func makeApplication(
        configuration: APIConfiguration,
        logger: Logger = Logger(label: "cjr"),
        onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        makeApplication(instance: try await CJRInstance(configuration: configuration, logger: logger), logger: logger,
                        onServerRunning: onServerRunning)
    }

    /// The application over an assembled instance: its router, and its scheduler as a
    /// service (recovery at start, runs stopped at shutdown) with its schedule ticker. Once it listens, runs get its
    /// loopback URL as `DATAROBOT_ENDPOINT`.
    public static func makeApplication(
        instance: CJRInstance,
        logger: Logger = Logger(label: "cjr"),
        onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let (configuration, scheduler) = (instance.configuration, instance.scheduler)
        let registry = ConnectionRegistry(maxPerAddress: configuration.maxConnectionsPerClient)
        let headTimeout = TimeAmount.milliseconds(Int64(configuration.headerTimeoutSeconds * 1000))
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuard(headTimeout: headTimeout, registry: registry)],
            idleTimeout: .milliseconds(Int64(configuration.idleTimeoutSeconds * 1000)))
        return Application(
            router: makeRouter(store: instance.store, scheduler: scheduler, configuration: configuration),
            server: .http1(configuration: http1),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "cjr"),
            services: [scheduler] + (instance.ticker.map { [$0] } ?? []),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                // Runs reach this server on loopback even when it listens on every address.
                let host = ["0.0.0.0", "::", ""].contains(configuration.host) ? "127.0.0.1" : configuration.host
                await scheduler.setAPIEndpoint("http://\(host.contains(":") ? "[\(host)]" : host):\(port)\(pathPrefix)")
                await onServerRunning(port)
            },
            logger: logger
        )
    }

    /// The router on its own, for inspection (the OpenAPI agreement test lists its routes).
    public static func makeRouter(store: RunStore, scheduler: RunScheduler, configuration: APIConfiguration) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        let routes = RouteTable()
        router.add(middleware: ErrorMiddleware(routes: routes, dataDirectory: configuration.dataDirectory))
        let api = router.group(RouterPath(pathPrefix)).add(middleware: AuthenticationMiddleware(store: store))
        SystemRoutes(configuration: configuration).register(on: api)
        CustomJobRoutes(store: store, scheduler: scheduler, configuration: configuration).register(on: api)
        RunRoutes(store: store, scheduler: scheduler, configuration: configuration).register(on: api)
        SharingRoutes(store: store, configuration: configuration).register(on: api)
        ScheduleRoutes(store: store, configuration: configuration).register(on: api)
        EnvironmentRoutes(store: store).register(on: api)
        CredentialRoutes(store: store, configuration: configuration).register(on: api)
        TemplateRoutes(store: store, configuration: configuration).register(on: api)
        ResourceBundleRoutes(bundles: configuration.runner.resourceBundles).register(on: api)
        ConsoleRoutes(store: store, scheduler: scheduler, configuration: configuration).register(on: router)
        routes.load(from: router)
        return router
    }
}
