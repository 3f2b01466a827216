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
}
