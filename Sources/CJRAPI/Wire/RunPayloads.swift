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

extension RunPayload {
    /// What its `Encodable` conformance writes, member by member (``JSONObjectWriter``):
    /// a page of runs is most of what the API sends.
    func writeJSON(into sink: JSONSink, at path: JSONPath) throws {
        var object = JSONObjectWriter(into: sink, at: path)
        object.string("created", created)
        object.string("customJobId", customJobId)
        object.string("customJobName", ifPresent: customJobName)
        object.string("description", description)
        try object.double("duration", duration)
        object.string("endReason", orNull: endReason)
        object.string("endedAt", orNull: endedAt)
        object.string("entryPoint", entryPoint)
        object.integer("exitCode", orNull: exitCode)
        object.string("id", id)
        object.array("items", items) { item, sink in item.writeJSON(into: sink) }
        object.string("jobStatusId", orNull: jobStatusId)
        object.integer("logSize", logSize)
        object.bool("logTruncated", logTruncated)
        object.integer("queuePosition", orNull: queuePosition)
        object.member("resources") { resources.writeJSON(into: $0) }
        try object.values("runtimeParameters", runtimeParameters)
        object.strings("sandbox", orNull: sandbox)
        object.string("scheduledJobId", orNull: scheduledJobId)
        object.integer("signal", orNull: signal)
        object.string("startedAt", orNull: startedAt)
        object.string("status", status)
        object.string("trigger", trigger)
        object.end()
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
