import CJRStore

/// Where a run's entry point executes: this machine (``LocalExecutor``), later a cluster.
/// The lifecycle around it (preparing the run, its timeout and cancels, deciding and
/// recording how it ended) is the same for every executor.
protocol Executor: Sendable {
    /// Starts `spec`, reports it as it goes (``LaunchReports``: what to record of it, its
    /// output), stops it when `control` says so (SIGTERM to every process, SIGKILL after the
    /// grace period), and returns once nothing of it runs any more.
    func execute(_ spec: LaunchSpec, control: RunControl, reports: LaunchReports) async throws -> ExecutionResult

    /// After a restart: makes sure nothing of a run that a gone process executed is left.
    func reap(_ record: ActiveRunRecord) async

    /// Whether its runs go on when cjr stops (a cluster's jobs; a local run's processes do
    /// not): only then is what a restart needs to follow one again written down.
    var outlivesServer: Bool { get }

    /// Whether a run a gone process executed can be followed again here.
    func canReattach(_ record: ActiveRunRecord) -> Bool

    /// Follows such a run again, reporting its output past `offset` (bytes of its output
    /// already in the log) as it comes, until it ends; nil when it can no longer be found.
    func reattach(_ record: ActiveRunRecord, workspace: RunWorkspace, offset: UInt64, control: RunControl,
                  reports: LaunchReports) async throws -> ExecutionResult?
}

extension Executor {
    var outlivesServer: Bool { false }

    func canReattach(_ record: ActiveRunRecord) -> Bool { false }

    func reattach(_ record: ActiveRunRecord, workspace: RunWorkspace, offset: UInt64, control: RunControl,
                  reports: LaunchReports) async throws -> ExecutionResult? { nil }
}

/// Where an executor reports a launch as it goes.
struct LaunchReports: Sendable {
    /// What the run's record should say of the launch: once it runs, and before that too
    /// when its executor queues it first (a cluster's queue: `running` false).
    var started: @Sendable (StartedLaunch) async -> Void
    /// Its output as it comes (stdout and stderr interleaved, in order).
    var output: @Sendable ([UInt8]) async throws -> Void
    /// A line of cjr's own for the log (`[cjr] …`), kept apart from the output.
    var note: @Sendable (String) async -> Void
}

/// A launch: how to find it again after a restart, its protections, and whether its entry
/// point runs yet (false while a cluster holds it in its own queue).
struct StartedLaunch: Sendable {
    var launcher: ProcessIdentity?
    var cgroup: String?
    var protections: [String]
    var running = true
}

/// What an executor saw of a launch that ended.
struct ExecutionResult: Sendable {
    var status: LauncherStatus?
    /// Processes the kernel killed for exceeding the memory limit; forks refused at the
    /// process limit.
    var outOfMemoryKills = 0
    var processLimitHits = 0
}

/// A launch that could not be started at all; the message is for the run's log.
struct LaunchFailure: Error {
    var message: String
}
