/// One execution of a custom job, with everything recorded about it.
public struct CustomJobRun: Sendable, Equatable {
    public var id: String
    public var customJobId: String
    /// Id of the async status resource (`GET /status/{id}/`) that tracks this run.
    public var jobStatusId: String
    public var description: String
    public var status: RunStatus
    /// The job's type when the run was created: it decides the job-type variables.
    public var jobType: JobType
    /// Item id of the entry point in the run's snapshot.
    public var entryPoint: String
    public var environmentId: String
    public var environmentVersionId: String
    public var resources: CustomJobResources
    /// The job's files as they were when the run was created.
    public var items: [FileItem]
    /// Definitions and the values this run receives (job level merged with run level).
    public var runtimeParameterDefinitions: [RuntimeParameterDefinition]
    public var runtimeParameterValues: [String: RuntimeParameterValue]
    public var scheduledJobId: String?
    public var created: Timestamp
    public var startedAt: Timestamp?
    public var endedAt: Timestamp?
    public var exitCode: Int?
    public var signal: Int?
    public var endReason: RunEndReason?
    /// Bytes of output kept, and whether output beyond the cap was dropped.
    public var logBytes: Int64
    public var logTruncated: Bool
    /// Position among queued runs (0 = next to start), nil unless waiting for a worker.
    public var queuePosition: Int?
    /// The protections the run's processes got (`seccomp:default`, `network-namespace`,
    /// `cgroup:<path>`, …), recorded when it started; nil before.
    public var sandbox: [String]?
    /// Id of the user who started the run; it acts as them (credentials, API token).
    public var startedBy: String?
    public var trigger: RunTrigger

    public init(id: String, customJobId: String, jobStatusId: String, description: String, status: RunStatus,
                jobType: JobType = .default, entryPoint: String, environmentId: String, environmentVersionId: String, resources: CustomJobResources,
                items: [FileItem], runtimeParameterDefinitions: [RuntimeParameterDefinition] = [],
                runtimeParameterValues: [String: RuntimeParameterValue] = [:], scheduledJobId: String? = nil,
                created: Timestamp, startedAt: Timestamp? = nil, endedAt: Timestamp? = nil, exitCode: Int? = nil,
                signal: Int? = nil, endReason: RunEndReason? = nil, logBytes: Int64 = 0, logTruncated: Bool = false,
                queuePosition: Int? = nil, sandbox: [String]? = nil, startedBy: String? = nil,
                trigger: RunTrigger = .api) {
        self.id = id
        self.customJobId = customJobId
        self.jobStatusId = jobStatusId
        self.description = description
        self.status = status
        self.jobType = jobType
        self.entryPoint = entryPoint
        self.environmentId = environmentId
        self.environmentVersionId = environmentVersionId
        self.resources = resources
        self.items = items
        self.runtimeParameterDefinitions = runtimeParameterDefinitions
        self.runtimeParameterValues = runtimeParameterValues
        self.scheduledJobId = scheduledJobId
        self.created = created
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.exitCode = exitCode
        self.signal = signal
        self.endReason = endReason
        self.logBytes = logBytes
        self.logTruncated = logTruncated
        self.queuePosition = queuePosition
        self.sandbox = sandbox
        self.startedBy = startedBy
        self.trigger = trigger
    }

    /// Seconds the run has taken: 0 before it starts, growing while it runs, final after.
    public func duration(now: Timestamp = .now()) -> Double {
        guard let startedAt else { return 0 }
        let end = endedAt ?? now
        return max(0, Double(end.microseconds - startedAt.microseconds) / 1_000_000)
    }

    public var entryPointItem: FileItem? { items.first { $0.id == entryPoint } }

    public var phase: RunPhase { RunPhase(status: status, started: startedAt != nil) }
}

/// How a run ended, as the executor reports it to the store.
public struct RunOutcome: Sendable, Equatable {
    public var status: RunStatus
    public var reason: RunEndReason
    public var exitCode: Int?
    public var signal: Int?

    public init(status: RunStatus, reason: RunEndReason, exitCode: Int? = nil, signal: Int? = nil) {
        self.status = status
        self.reason = reason
        self.exitCode = exitCode
        self.signal = signal
    }
}
