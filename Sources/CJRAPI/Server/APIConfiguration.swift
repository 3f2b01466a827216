import CJRModel
import CJRRunner
import CJRStore

/// Settings of one API server.
public struct APIConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var dataDirectory: DataDirectory
    /// Largest accepted multipart body (uploads), in bytes; larger ones get 413.
    public var maxUploadBytes: Int64
    /// Largest accepted JSON body, in bytes: no JSON request of the API needs more.
    public var maxJSONBytes: Int64 = Self.defaultMaxJSONBytes
    /// How runs execute: `maxCustomJobRuns` (`maxConcurrentRuns`), `maxCustomJobTimeout`
    /// (`timeoutSeconds`), grace, log cap, resource bundles, sandbox options.
    public var runner: RunnerConfiguration
    /// A connection that has not sent a complete request head this long after opening is
    /// closed (slow-loris clients).
    public var headerTimeoutSeconds = 10.0
    /// A keep-alive connection with no request this long is closed.
    public var idleTimeoutSeconds = 60.0
    /// Open connections one client address may hold; past it, 503.
    public var maxConnectionsPerClient = 256
    /// What the host allows to contain runs; nil detects it at start.
    public var sandbox: SandboxHost?
    /// The template gallery (`GET /customJobTemplates/`, `POST /customJobs/fromGalleryTemplate/`).
    public var gallery = TemplateGallery()
    /// Whether this server fires schedules (`cjr run`'s private server does not).
    public var firesSchedules = true
    /// Sweep the data directory's leftovers at start (a server) or only when a day has
    /// passed since the last sweep (`cjr run`, which starts for every run).
    public var leftoverSweep = RunStore.LeftoverSweep.atOpen
    /// Firings missed while the server was down: one catch-up run per schedule, or none.
    public var scheduleCatchUp = ScheduleCatchUp.one
    /// The time schedules are computed and fired by: the wall clock, or a test's.
    public var scheduleClock: @Sendable () -> Timestamp = { .now() }

    public static let defaultHost = "127.0.0.1"
    public static let defaultPort = 8080
    /// Two concurrent runs leave a workstation usable.
    public static let defaultMaxRuns = 2
    /// One hour, the platform's own ceiling for a custom job run.
    public static let defaultMaxTimeoutSeconds = 3_600
    public static let defaultMaxUploadBytes: Int64 = 256 << 20
    public static let defaultMaxJSONBytes: Int64 = 1 << 20

    public init(host: String = Self.defaultHost, port: Int = Self.defaultPort, dataDirectory: DataDirectory,
                maxRuns: Int = Self.defaultMaxRuns, maxTimeoutSeconds: Int = Self.defaultMaxTimeoutSeconds,
                maxUploadBytes: Int64 = Self.defaultMaxUploadBytes) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.maxUploadBytes = maxUploadBytes
        runner = RunnerConfiguration(maxConcurrentRuns: maxRuns, timeoutSeconds: maxTimeoutSeconds)
    }
}
