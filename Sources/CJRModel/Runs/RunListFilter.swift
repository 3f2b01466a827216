/// Which runs a list across jobs shows (`GET /customJobRuns/`, `cjr ps`).
public struct RunListFilter: Sendable, Equatable {
    /// A run's state as a list filters it: the reference's statuses, with `running` split
    /// into `queued` (waiting for a worker) and `running` (executing).
    public enum State: String, Sendable, CaseIterable {
        case queued, running, canceling, succeeded, failed, interrupted, canceled

        /// Comma-separated state names (`queued,running`); an unknown one is an error
        /// naming `field`, with a "did you mean".
        public static func list(_ text: String, field: String) throws(CJRError) -> [State] {
            var states: [State] = []
            for name in text.split(separator: ",").map(String.init) {
                guard let state = State(rawValue: name) else {
                    let known = allCases.map(\.rawValue)
                    throw .invalid(field, "'\(name)' is not one of \(known.joined(separator: ", "))\(Suggestion.phrase(for: name, among: known))")
                }
                states.append(state)
            }
            return states
        }

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
    /// Only runs started these ways; empty: any.
    public var triggers: [RunTrigger]
    /// Only runs given this value for a runtime parameter (on the job or the run).
    public var parameter: ParameterMatch?
    /// Keyset paging: only runs created before (older than) this run, or after it (the
    /// page just newer). Every page then costs what the first does, however deep.
    public var cursor: Cursor?

    public enum Cursor: Sendable, Equatable {
        case before(runId: String)
        case after(runId: String)
    }

    /// A runtime parameter's name and a value as typed: a number matches a numeric value,
    /// `true`/`false` a boolean one, anything else a string.
    public struct ParameterMatch: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(states: [State] = [], jobId: String? = nil, scheduledJobId: String? = nil, idPrefix: String? = nil,
                triggers: [RunTrigger] = [], parameter: ParameterMatch? = nil, cursor: Cursor? = nil) {
        self.states = states
        self.jobId = jobId
        self.scheduledJobId = scheduledJobId
        self.idPrefix = idPrefix
        self.triggers = triggers
        self.parameter = parameter
        self.cursor = cursor
    }
}
