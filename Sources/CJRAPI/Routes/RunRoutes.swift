import Foundation
import Hummingbird
import Logging
import CJRModel
import CJRRunner
import CJRStore

/// `/customJobs/{id}/runs/…` and the async status resource `/status/{id}/`.
struct RunRoutes {
    let store: RunStore
    let scheduler: RunScheduler
    let configuration: APIConfiguration

    func register(on router: RouterGroup<APIRequestContext>) {
        router.get("customJobs/:customJobId/runs", use: list)
        router.post("customJobs/:customJobId/runs", use: create)
        router.get("customJobs/:customJobId/runs/:runId", use: show)
        router.patch("customJobs/:customJobId/runs/:runId", use: update)
        router.delete("customJobs/:customJobId/runs/:runId", use: cancel)
        router.get("customJobs/:customJobId/runs/:runId/items/:itemId", use: item)
        router.get("status/:statusId", use: status)
        router.get("customJobRuns", use: listAcrossJobs)
        RunLogRoutes(store: store).register(on: router)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let scheduledJobId = request.uri.queryParameters["scheduledJobId"].map { String($0) }
        let jobId = try context.parameters.require("customJobId")
        let pageRequest = try await context.parsed(.read, job: jobId, in: store) { try request.pageRequest }
        let page = try await store.runs(jobId: jobId, scheduledJobId: scheduledJobId, page: pageRequest, checking: try context.access(.read))
        return try JSONResponse.make(ListPayload(page: page, request: request, transform: RunPayload.init))
    }

    /// cjr's own: runs of every job the caller may see, newest first, each with its job's
    /// name; `status` (comma-separated; `queued` and `running` tell waiting and executing
    /// apart), `customJobId`, `scheduledJobId`, `idPrefix`.
    @Sendable func listAcrossJobs(_ request: Request, context: APIRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        var filter = RunListFilter(jobId: query["customJobId"].map { String($0) }, scheduledJobId: query["scheduledJobId"].map { String($0) })
        if let raw = query["status"] { filter.states = try RunListFilter.State.list(String(raw), field: "status") }
        if let raw = query["idPrefix"] {
            let prefix = String(raw)
            guard (1...24).contains(prefix.count), prefix.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                throw CJRError.invalid("idPrefix", "must be 1 to 24 lowercase hex digits, the start of a run's ID")
            }
            filter.idPrefix = prefix
        }
        let page = try await store.runs(matching: filter, visibleTo: try context.requireUser.id, page: try request.pageRequest)
        return try JSONResponse.make(ListPayload(page: page, request: request, transform: RunListItemPayload.make))
    }

    /// 201 with the run, and `Location` pointing at its status resource (how the official
    /// client's `JobRun.create(max_wait=…)` waits).
    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> Response {
        let jobId = try context.parameters.require("customJobId")
        let user = try context.requireUser
        try await context.authorize(.use, job: jobId, in: store)
        let body = try await RunBody.parse(request, maxBytes: configuration.maxJSONBytes)
        let run = try await store.createRun(jobId: jobId, description: body.description, overrides: body.overrides, startedBy: user.id)
        await scheduler.submit(run.id, userId: user.id)
        context.logger.info("run queued", metadata: ["job": "\(jobId)", "run": "\(run.id)"])
        let location = PageLinks.origin(of: request) + APIServer.pathPrefix + "/status/\(run.jobStatusId)/"
        return try JSONResponse.make(RunPayload(run), status: .created, headers: [.location: location])
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> Response {
        let jobId = try context.parameters.require("customJobId")
        let run = try await store.run(jobId: jobId, runId: try context.parameters.require("runId"), checking: try context.access(.read))
        return try JSONResponse.make(RunPayload(run))
    }

    /// The reference answers a successful PATCH with 201.
    @Sendable func update(_ request: Request, context: APIRequestContext) async throws -> Response {
        let jobId = try context.parameters.require("customJobId")
        let runId = try context.parameters.require("runId")
        try await context.authorize(.use, job: jobId, in: store)
        _ = try await store.run(jobId: jobId, runId: runId)
        let body = try await RunBody.parse(request, maxBytes: configuration.maxJSONBytes)
        let run = try await store.updateRun(jobId: jobId, runId: runId, description: body.description, overrides: body.overrides,
                                            by: try context.requireUser.id)
        return try JSONResponse.make(RunPayload(run), status: .created)
    }

    /// DELETE cancels: 204 once the cancel is under way (the run reads `canceling`, then
    /// `canceled` when its processes are gone); 422 for a run that already ended.
    @Sendable func cancel(_ request: Request, context: APIRequestContext) async throws -> Response {
        let jobId = try context.parameters.require("customJobId")
        try await context.authorize(.use, job: jobId, in: store)
        try await scheduler.cancel(jobId: jobId, runId: try context.parameters.require("runId"), by: try context.requireUser.id)
        return Response(status: .noContent)
    }

    @Sendable func item(_ request: Request, context: APIRequestContext) async throws -> Response {
        let jobId = try context.parameters.require("customJobId")
        let item = try await store.runItem(jobId: jobId, runId: try context.parameters.require("runId"),
                                           itemId: try context.parameters.require("itemId"), checking: try context.access(.read))
        return try FileContentPayload.response(item: item, blobs: store.blobs)
    }

    /// 200 with the status while the run is queued or executing; 303 to the run once it
    /// has ended, whatever the outcome (the client then reads the run's status).
    @Sendable func status(_ request: Request, context: APIRequestContext) async throws -> Response {
        let statusId = try context.parameters.require("statusId")
        // Of a job the caller has no role on: not found, as for one that does not exist.
        let run = try await store.run(statusId: statusId, visibleTo: try context.requireUser.id)
        let runURL = PageLinks.origin(of: request) + APIServer.pathPrefix + "/customJobs/\(run.customJobId)/runs/\(run.id)/"
        var payload = StatusPayload(statusId: run.jobStatusId, status: "RUNNING", message: "", created: run.created.iso8601,
                                    customJobId: run.customJobId, customJobRunId: run.id)
        switch run.phase {
        case .ended:
            payload.status = "COMPLETED"
            payload.message = "The run ended: \(run.status.rawValue)."
            return try JSONResponse.make(payload, status: .seeOther, headers: [.location: runURL])
        case .queued:
            payload.status = "INITIALIZED"
            payload.message = run.queuePosition.map { "Waiting for a free worker (position \($0) in the queue)." }
                ?? "A worker has it: its files and environment are being prepared, or it waits in its executor's queue (a Slurm job PENDING; the run's log says why)."
        case .executing:
            payload.message = "Running."
        case .ending:
            payload.message = "Canceling."
        }
        return try JSONResponse.make(payload)
    }
}

/// The body of run create and update: empty (no Content-Type, as the official client sends
/// it), or JSON with `description` and `runtimeParameterValues` (an array of
/// `{fieldName, type, value}`).
struct RunBody {
    var description: String?
    var overrides: [RuntimeParameterOverride]?

    static func parse(_ request: Request, maxBytes: Int64) async throws -> RunBody {
        guard let object = try await request.jsonObject(maxBytes: maxBytes, example: "{description, runtimeParameterValues}, or no body") else {
            return RunBody()
        }
        var body = RunBody()
        for (key, value) in object.sorted(by: { $0.key < $1.key }) {
            switch (key, value) {
            case (_, .null): continue
            case ("description", .string(let text)): body.description = text
            case ("description", _): throw CJRError.invalid("description", "must be a string, got \(value.typeName)")
            case ("runtimeParameterValues", .string(let text)): body.overrides = try JobChangesParser.overrides(text: text)
            case ("runtimeParameterValues", _): body.overrides = try JobChangesParser.overrides(value)
            default: throw CJRError.invalid(key, "unknown field; accepted: description, runtimeParameterValues")
            }
        }
        return body
    }
}
