import Foundation
import Logging
import NIOPosix
import CJRRunner
import CJRStore

/// One cjr: the run store over its data directory (the admin token created on first
/// start), the scheduler that executes its runs and the ticker that fires its schedules. `cjr serve`, `cjr run` and the
/// benchmark assemble it the same way, and put the API server over it with
/// ``APIServer/makeApplication(instance:logger:onServerRunning:)``.
public struct CJRInstance: Sendable {
    public let configuration: APIConfiguration
    public let store: RunStore
    public let scheduler: RunScheduler
    /// Fires schedules; nil when `configuration.firesSchedules` is off.
    public let ticker: ScheduleTicker?

    /// The host's sandbox is detected (a cache file read, or the launcher's probe) and the
    /// server's event loop threads start while the store opens: none needs the others, and
    /// each is a millisecond or so of a start (of `cjr run`'s in particular).
    public init(configuration: APIConfiguration, logger: Logger = Logger(label: "cjr")) async throws {
        self.configuration = configuration
        let runner = configuration.runner
        try configuration.dataDirectory.prepare() // the probe's answers are kept in it
        async let detected = configuration.sandbox ?? (try? LauncherBinary.locate(override: runner.launcherPath))
            .map { SandboxHost.detect(launcher: $0, cache: runner.hostProbeCache) }
        async let eventLoops = MultiThreadedEventLoopGroup.singleton // the group the application serves on
        store = try RunStore(directory: configuration.dataDirectory, resourceBundles: configuration.runner.resourceBundles,
                             sweep: configuration.leftoverSweep, logger: logger)
        if try store.bootstrapAdmin() != nil {
            logger.notice("created the admin API token", metadata: ["file": "\(configuration.dataDirectory.tokenFile.path)"])
        }
        scheduler = try RunScheduler(store: store, configuration: configuration.runner, sandbox: await detected, logger: logger)
        _ = await eventLoops
        ticker = configuration.firesSchedules
            ? ScheduleTicker(store: store, scheduler: scheduler, catchUp: configuration.scheduleCatchUp,
                             clock: configuration.scheduleClock, logger: logger) : nil
        // Said at notice level (`cjr serve`); `cjr run`, at error level, skips composing it.
        for (name, value) in logger.logLevel <= .notice ? scheduler.sandbox.report(runUIDBase: configuration.runner.runUIDBase) : [] {
            logger.notice("sandbox: \(name): \(value)")
        }
        if let free = StorageFailure.freeBytes(at: configuration.dataDirectory.root), free < StorageFailure.lowSpaceBytes {
            logger.warning("""
                little space left: \(StorageFailure.situation(of: configuration.dataDirectory)); writes that do not fit \
                are refused with 507 and runs' output is lost until there is room
                """)
        }
    }
}
