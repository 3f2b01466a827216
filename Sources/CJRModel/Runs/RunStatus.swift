/// The run statuses of the reference, exactly: the official client breaks on any other.
/// A run waiting for a worker is `running` too; ``CustomJobRun/startedAt`` tells it apart.
public enum RunStatus: String, Sendable, Codable, CaseIterable {
    case running
    case succeeded
    case failed
    case interrupted
    case canceling
    case canceled

    /// Whether the run has ended for good.
    public var isFinal: Bool {
        switch self {
        case .running, .canceling: false
        case .succeeded, .failed, .interrupted, .canceled: true
        }
    }
}

/// Why a run ended, in machine-readable form (the run's `endReason`).
public enum RunEndReason: String, Sendable, Codable {
    /// The entry point exited by itself; `exitCode` says how.
    case exited
    /// A signal ended the entry point; `signal` says which.
    case signaled
    /// The run hit its timeout and was killed.
    case timeout
    /// Someone canceled the run.
    case canceled
    /// The server stopped while the run was executing.
    case interrupted
    /// The run could not be started (for example its entry point is missing).
    case launchFailed
    /// The kernel killed a process of the run for exceeding its resource bundle's memory.
    case outOfMemory
    /// The run failed after trying to exceed its resource bundle's process limit.
    case processLimit
}

extension RunEndReason {
    /// Why a run ended, in a word or two (`exit 3`, `timeout`, `out of memory`): what
    /// `cjr ps` and the console show after `failed`.
    public func words(exitCode: Int?, signal: Int?) -> String {
        switch self {
        case .exited: "exit \(exitCode ?? -1)"
        case .signaled: "signal \(signal ?? 0)"
        case .timeout: "timeout"
        case .outOfMemory: "out of memory"
        case .processLimit: "process limit"
        case .launchFailed: "could not start"
        case .canceled, .interrupted: rawValue
        }
    }

    /// What `cjr run` and `cjr runs start --wait` exit with for a run that ended this way:
    /// the job's own exit code when it has one (a limit's kill included), 124 on timeout,
    /// 130 when canceled or interrupted, 1 when it could not start.
    public func commandExitCode(jobExitCode: Int?) -> Int32 {
        switch self {
        case .exited, .signaled, .outOfMemory, .processLimit: Int32(jobExitCode ?? 1)
        case .timeout: 124
        case .canceled, .interrupted: 130
        case .launchFailed: 1
        }
    }
}

/// Where a run is in its life. The wire's ``RunStatus`` is the reference's and says
/// `running` for a run that waits for a worker too; the phase tells them apart.
public enum RunPhase: Sendable, Equatable {
    /// Created, waiting for a worker (`running`, not started).
    case queued
    /// A worker runs it (`running`, started).
    case executing
    /// Asked to cancel, its processes being stopped (`canceling`).
    case ending
    /// Over: succeeded, failed, interrupted or canceled.
    case ended

    public init(status: RunStatus, started: Bool) {
        switch status {
        case .running: self = started ? .executing : .queued
        case .canceling: self = .ending
        case .succeeded, .failed, .interrupted, .canceled: self = .ended
        }
    }
}

/// What started a run (the run's `trigger`, cjr's field).
public enum RunTrigger: String, Sendable, Codable, CaseIterable {
    /// A request to the API (the official client, curl, `cjr runs start`).
    case api
    /// The web console's Run or Run again.
    case console
    /// A schedule's firing.
    case schedule
    /// `cjr run DIR`.
    case cli
}
