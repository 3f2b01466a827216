/// A job's schedule: when it fires, in which time zone, and the runtime-parameter values
/// each run it starts receives on top of the job's. Runs it starts carry its
/// ``scheduledJobId`` and act as the user who last created or changed it.
public struct JobSchedule: Sendable, Equatable {
    public var id: String
    public var customJobId: String
    /// What runs started by this schedule carry (`GET …/runs/?scheduledJobId=`).
    public var scheduledJobId: String
    public var schedule: CronSchedule
    /// An IANA name; nil: the server's time zone.
    public var timeZone: String?
    public var parameterOverrides: [RuntimeParameterOverride]
    public var created: Timestamp
    public var updated: Timestamp
    public var createdBy: UserReference
    public var updatedBy: UserReference
    /// When it fires next; nil while its job is deleted.
    public var nextRunAt: Timestamp?
    public var lastFiredAt: Timestamp?
    public var lastRunId: String?
    /// Firings skipped because the run of an earlier one had not ended.
    public var skippedFirings: Int
    /// Why the last firing started no run (the job lost its entry point, the user their
    /// role, a required value is missing); nil when it started one.
    public var lastError: String?

    public init(id: String, customJobId: String, scheduledJobId: String, schedule: CronSchedule, timeZone: String?,
                parameterOverrides: [RuntimeParameterOverride], created: Timestamp, updated: Timestamp,
                createdBy: UserReference, updatedBy: UserReference, nextRunAt: Timestamp?, lastFiredAt: Timestamp?,
                lastRunId: String?, skippedFirings: Int, lastError: String?) {
        self.id = id
        self.customJobId = customJobId
        self.scheduledJobId = scheduledJobId
        self.schedule = schedule
        self.timeZone = timeZone
        self.parameterOverrides = parameterOverrides
        self.created = created
        self.updated = updated
        self.createdBy = createdBy
        self.updatedBy = updatedBy
        self.nextRunAt = nextRunAt
        self.lastFiredAt = lastFiredAt
        self.lastRunId = lastRunId
        self.skippedFirings = skippedFirings
        self.lastError = lastError
    }
}

/// A user as other records name them (`createdBy`, `updatedBy`).
public struct UserReference: Sendable, Equatable {
    public var id: String
    public var username: String

    public init(id: String, username: String) {
        self.id = id
        self.username = username
    }
}

/// What became of a schedule's firing.
public enum ScheduleFiring: Sendable, Equatable {
    /// It started this run (queued like any other).
    case started(CustomJobRun, due: Timestamp)
    /// The run of an earlier firing had not ended: nothing started.
    case skipped(runningRunId: String, due: Timestamp)
    /// No run could start; the reason is kept on the schedule.
    case refused(String, due: Timestamp)
}

/// Whether a schedule whose firings were missed while the server was down fires once
/// when it comes back (`one`) or waits for its next time (`none`).
public enum ScheduleCatchUp: String, Sendable, CaseIterable {
    case none
    case one
}
