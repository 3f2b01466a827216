import CJRModel
import CJRRunner
import CJRStore

/// Settings of one API server.
public struct APIConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var dataDirectory: DataDirectory
    /// `maxCustomJobRuns`: how many runs may execute at once.
    public var maxRuns: Int
    /// `maxCustomJobTimeout`: the longest a run may take, in seconds.
    public var maxTimeoutSeconds: Int
    /// Largest accepted request body (uploads included), in bytes; larger ones get 413.
    public var maxUploadBytes: Int64
    /// Between SIGTERM and SIGKILL when a run is stopped.
    public var graceSeconds: Double = RunnerConfiguration.defaultGraceSeconds
    /// Output kept per run; beyond it the log is truncated with a marker.
    public var maxLogBytes: Int64 = RunnerConfiguration.defaultMaxLogBytes
    /// Keep run working directories after the run (debugging).
    public var keepWorkspaces = false
    /// Also inject DRUM's `MLOPS_RUNTIME_PARAM_<name>` variables into every run.
    public var drumVariables = false
    /// Run jobs whose requested isolation cannot be enforced instead of failing them.
    public var allowUnsandboxed = false
    /// Whether this instance adopts the store's queued runs at start (`cjr serve`), or only
    /// executes the runs submitted to it (`cjr run`, beside a server on the same data).
    public var adoptsQueuedRuns = true
    /// As root, contained runs execute as uid this + their launcher's pid.
    public var runUIDBase = RunnerConfiguration.defaultRunUIDBase
    /// The resource bundles jobs may name (`GET /resourceBundles/`), and the default.
    public var resourceBundles: ResourceBundles = .builtIn
    /// What the host allows to contain runs; nil detects it at start.
    public var sandbox: SandboxHost?
    /// The template gallery (`GET /customJobTemplates/`, `POST /customJobs/fromGalleryTemplate/`).
    public var gallery = TemplateGallery()

    public static let defaultHost = "127.0.0.1"
    public static let defaultPort = 8080
    /// Two concurrent runs leave a workstation usable.
    public static let defaultMaxRuns = 2
    /// One hour, the platform's own ceiling for a custom job run.
    public static let defaultMaxTimeoutSeconds = 3_600
    public static let defaultMaxUploadBytes: Int64 = 256 << 20

    public init(host: String = Self.defaultHost, port: Int = Self.defaultPort, dataDirectory: DataDirectory,
                maxRuns: Int = Self.defaultMaxRuns, maxTimeoutSeconds: Int = Self.defaultMaxTimeoutSeconds,
                maxUploadBytes: Int64 = Self.defaultMaxUploadBytes) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.maxRuns = maxRuns
        self.maxTimeoutSeconds = maxTimeoutSeconds
        self.maxUploadBytes = maxUploadBytes
    }

    /// The scheduler's share of these settings.
    public var runner: RunnerConfiguration {
        var runner = RunnerConfiguration(maxConcurrentRuns: maxRuns, timeoutSeconds: maxTimeoutSeconds, graceSeconds: graceSeconds,
                                         maxLogBytes: maxLogBytes, keepWorkspaces: keepWorkspaces, drumVariables: drumVariables,
                                         allowUnsandboxed: allowUnsandboxed)
        runner.resourceBundles = resourceBundles
        runner.runUIDBase = runUIDBase
        runner.adoptsQueuedRuns = adoptsQueuedRuns
        return runner
    }
}
