import Foundation
import CJRModel

/// How runs are executed; the server and `cjr run` fill it from their flags.
public struct RunnerConfiguration: Sendable {
    /// `maxCustomJobRuns`: runs executing at once; more wait, in turn across users.
    public var maxConcurrentRuns: Int
    /// Runs of one user executing at once (nil: no limit but the machine's).
    public var maxRunsPerUser: Int?
    /// `maxCustomJobTimeout`: a run still going after this many seconds is killed.
    public var timeoutSeconds: Int
    /// Between SIGTERM and SIGKILL when a run is stopped (timeout, cancel, shutdown).
    public var graceSeconds: Double

    /// How long a run's API token lasts once its entry point runs: the timeout, the grace
    /// after it, and a minute to spare.
    var runTokenLifetime: Int { timeoutSeconds + Int(graceSeconds.rounded(.up)) + 60 }
    /// Output beyond this many bytes is dropped (with a marker); the run goes on.
    public var maxLogBytes: Int64
    /// Keep each run's working directory after it ends (for debugging) instead of removing it.
    public var keepWorkspaces: Bool
    /// The `cjr-launch` binary; nil finds it next to the running executable.
    public var launcherPath: String?
    /// Where the host probe's answers are kept between starts (`cjr run`: every start is a
    /// new process); nil probes at every start.
    public var hostProbeCache: URL?
    /// Also inject the DRUM convention (`MLOPS_RUNTIME_PARAM_<name>` JSON) for every parameter.
    public var drumVariables: Bool
    /// Run jobs whose requested isolation this cjr cannot enforce (today: egress `none`)
    /// with what it can, instead of failing them. Off by default: never silently unsandboxed.
    public var allowUnsandboxed: Bool
    /// Runs execute on a Slurm cluster through slurmrestd instead of here (`cjr serve
    /// --executor slurm`); nil: on this machine.
    public var slurm: SlurmSettings?
    /// Where runs' working directories go; nil: `<data>/runs/`. With Slurm, the shared
    /// directory every node sees.
    public var workspaceRoot: URL? { slurm.map { $0.sharedDirectory.appendingPathComponent("runs") } }
    /// `cjr run --tty`: runs' stdout and stderr are a pseudo-terminal (see ``RunTerminal``).
    public var terminal: RunTerminal?
    /// Run jobs whose named resource bundle this host cannot enforce with what it can,
    /// instead of failing them. Off by default: a limit asked for is a limit held.
    public var allowUnenforcedLimits = false
    /// The bundles runs are limited by, and the one for jobs that name none.
    public var resourceBundles: ResourceBundles = .builtIn
    /// At start, queue every run the store holds as queued (a server); false executes only
    /// the runs submitted to this scheduler (`cjr run` beside a server on the same data).
    public var adoptsQueuedRuns = true
    /// As root, a contained run executes as uid = gid = this + its launcher's pid: unique
    /// among live runs, whichever cjr started them, and never a user of the host's.
    public var runUIDBase: UInt32 = Self.defaultRunUIDBase

    public static let defaultGraceSeconds = 5.0
    public static let defaultMaxLogBytes: Int64 = 128 << 20
    /// Above systemd's container range (524288–1879048191), below 2^31: ids no host
    /// assigns (see systemd's UIDS-GIDS.md).
    public static let defaultRunUIDBase: UInt32 = 1_900_000_000

    public init(maxConcurrentRuns: Int, timeoutSeconds: Int, graceSeconds: Double = Self.defaultGraceSeconds,
                maxLogBytes: Int64 = Self.defaultMaxLogBytes, keepWorkspaces: Bool = false, launcherPath: String? = nil,
                drumVariables: Bool = false, allowUnsandboxed: Bool = false) {
        self.maxConcurrentRuns = maxConcurrentRuns
        self.timeoutSeconds = timeoutSeconds
        self.graceSeconds = graceSeconds
        self.maxLogBytes = maxLogBytes
        self.keepWorkspaces = keepWorkspaces
        self.launcherPath = launcherPath
        self.drumVariables = drumVariables
        self.allowUnsandboxed = allowUnsandboxed
    }
}

/// A pseudo-terminal for a run's stdout and stderr (`cjr run --tty`): programs that colour
/// or buffer by terminal behave as in a shell. Its output goes to `echo` as written, while
/// the run's log keeps it as plain text.
public struct RunTerminal: Sendable {
    public var columns: Int
    public var rows: Int
    public var echo: @Sendable ([UInt8]) -> Void

    public init(columns: Int, rows: Int, echo: @escaping @Sendable ([UInt8]) -> Void) {
        self.columns = columns
        self.rows = rows
        self.echo = echo
    }
}
