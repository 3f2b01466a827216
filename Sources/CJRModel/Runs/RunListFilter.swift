/// Which runs a list across jobs shows (`GET /customJobRuns/`, `cjr ps`).
public struct RunListFilter: Sendable, Equatable {
    /// A run's state as a list filters it: the reference's statuses, with `running` split
    /// into `queued` (waiting for a worker) and `running` (executing).
    public enum State: String, Sendable, CaseIterable {
        case queued, running, canceling, succeeded, failed, interrupted, canceled

        /// The states of runs that have not ended.
        public static let unfinished: [State] = [.queued, .running, .canceling]
        /// The states of runs that have.
        public static let ended: [State] = [.succeeded, .failed, .interrupted, .canceled]
    }

    /// Empty: every state.
    public var states: [State]
    public var jobId: String?
    public var scheduledJobId: String?
    /// The start of a run's ID (lowercase hex).
    public var idPrefix: String?

    public init(states: [State] = [], jobId: String? = nil, scheduledJobId: String? = nil, idPrefix: String? = nil) {
        self.states = states
        self.jobId = jobId
        self.scheduledJobId = scheduledJobId
        self.idPrefix = idPrefix
    }
}
