import CJRModel

/// `CustomJobRunResponse`, plus what cjr records beyond the reference: when the run
/// started and ended, how (exit code, signal, reason), its queue position and log size.
struct RunPayload: Encodable, Sendable {
    var created: String
    var customJobId: String
    /// Its job's name, in lists of runs across jobs only (left out when nil).
    var customJobName: String?
    var description: String
    var duration: Double
    @ExplicitNull var endReason: String?
    @ExplicitNull var endedAt: String?
    var entryPoint: String
    @ExplicitNull var exitCode: Int?
    var id: String
    var items: [ItemPayload]
    @ExplicitNull var jobStatusId: String?
    var logSize: Int64
    var logTruncated: Bool
    @ExplicitNull var queuePosition: Int?
    var resources: ResourcesPayload
    var runtimeParameters: [RuntimeParameterPayload]
    /// What contained the run (cjr's own field): seccomp profiles, network namespace, cgroup.
    @ExplicitNull var sandbox: [String]?
    @ExplicitNull var scheduledJobId: String?
    @ExplicitNull var signal: Int?
    @ExplicitNull var startedAt: String?
    var status: String
    /// What started it (cjr's own field): api, console, schedule or cli.
    var trigger: String

    init(_ run: CustomJobRun) {
        id = run.id
        customJobId = run.customJobId
        description = run.description
        created = run.created.iso8601
        status = run.status.rawValue
        duration = run.duration()
        entryPoint = run.entryPoint
        jobStatusId = run.jobStatusId
        items = run.items.map(ItemPayload.init)
        resources = ResourcesPayload(run.resources)
        // The run's own view: what it received, not what the job has now.
        runtimeParameters = run.runtimeParameterDefinitions.map {
            RuntimeParameterPayload($0, override: run.runtimeParameterValues[$0.fieldName])
        }
        scheduledJobId = run.scheduledJobId
        startedAt = run.startedAt?.iso8601
        endedAt = run.endedAt?.iso8601
        exitCode = run.exitCode
        signal = run.signal
        endReason = run.endReason?.rawValue
        queuePosition = run.queuePosition
        logSize = run.logBytes
        logTruncated = run.logTruncated
        sandbox = run.sandbox
        trigger = run.trigger.rawValue
    }
}

/// An item of `GET /customJobRuns/`: the run, with its job's name among its fields (in
/// key order, so the object is written in place).
enum RunListItemPayload {
    static func make(_ item: (run: CustomJobRun, jobName: String)) -> RunPayload {
        var payload = RunPayload(item.run)
        payload.customJobName = item.jobName
        return payload
    }
}

/// The async status resource of a run that has not ended, in the platform's shape.
struct StatusPayload: Encodable, Sendable {
    var statusId: String
    /// `INITIALIZED` while queued, `RUNNING` while executing, `COMPLETED` once ended.
    var status: String
    var message: String
    var created: String
    var statusType = "customJobRun"
    var customJobId: String
    var customJobRunId: String
}
