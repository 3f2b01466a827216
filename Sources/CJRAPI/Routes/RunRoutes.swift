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
        RunLogRoutes(store: store).register(on: router)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let scheduledJobId = request.uri.queryParameters["scheduledJobId"].map { String($0) }
        let page = try await store.runs(jobId: try context.parameters.require("customJobId"),
                                        scheduledJobId: scheduledJobId, page: try request.pageRequest)
        return try JSONResponse.make(ListPayload(page: page, request: request, transform: RunPayload.init))
    }

    /// 201 with the run, and `Location` pointing at its status resource (how the official
    /// client's `JobRun.create(max_wait=…)` waits).
    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> Response {
        let jobId = try context.parameters.require("customJobId")
        let body = try await RunBody.parse(request, maxBytes: configuration.maxJSONBytes)
        let run = try await store.createRun(jobId: jobId, description: body.description, overrides: body.overrides)
        await scheduler.submit(run.id)
        context.logger.info("run queued", metadata: ["job": "\(jobId)", "run": "\(run.id)"])
        let location = PageLinks.origin(of: request) + APIServer.pathPrefix + "/status/\(run.jobStatusId)/"
        return try JSONResponse.make(RunPayload(run), status: .created, headers: [.location: location])
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> Response {
        let run = try await store.run(jobId: try context.parameters.require("customJobId"), runId: try context.parameters.require("runId"))
        return try JSONResponse.make(RunPayload(run))
    }

    /// The reference answers a successful PATCH with 201.
    @Sendable func update(_ request: Request, context: APIRequestContext) async throws -> Response {
        let jobId = try context.parameters.require("customJobId")
        let runId = try context.parameters.require("runId")
        _ = try await store.run(jobId: jobId, runId: runId)
        let body = try await RunBody.parse(request, maxBytes: configuration.maxJSONBytes)
        let run = try await store.updateRun(jobId: jobId, runId: runId, description: body.description, overrides: body.overrides)
        return try JSONResponse.make(RunPayload(run), status: .created)
    }

    /// DELETE cancels: 204 once the cancel is under way (the run reads `canceling`, then
    /// `canceled` when its processes are gone); 422 for a run that already ended.
    @Sendable func cancel(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await scheduler.cancel(jobId: try context.parameters.require("customJobId"), runId: try context.parameters.require("runId"))
        return Response(status: .noContent)
    }

    @Sendable func item(_ request: Request, context: APIRequestContext) async throws -> Response {
        let item = try await store.runItem(jobId: try context.parameters.require("customJobId"),
                                           runId: try context.parameters.require("runId"),
                                           itemId: try context.parameters.require("itemId"))
        return try FileContentPayload.response(item: item, blobs: store.blobs)
    }

    /// 200 with the status while the run is queued or executing; 303 to the run once it
    /// has ended, whatever the outcome (the client then reads the run's status).
    @Sendable func status(_ request: Request, context: APIRequestContext) async throws -> Response {
        let run = try await store.run(statusId: try context.parameters.require("statusId"))
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
            payload.message = "Waiting for a free worker (position \(run.queuePosition ?? 0) in the queue)."
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
        let buffer = try await request.collectBody(maxBytes: maxBytes)
        if buffer.readableBytes == 0 { return RunBody() }
        let mediaType = (request.headers[.contentType] ?? "").split(separator: ";").first.map { $0.trimmingWhitespace().lowercased() }
        guard mediaType == "application/json" || mediaType == nil || mediaType == "" else {
            throw CJRError(.unsupportedMediaType, "Send the run's body as application/json (or no body at all).")
        }
        let json = try JSONValue.parse(Data(buffer.readableBytesView))
        guard case .object(let object) = json else {
            throw CJRError(.invalidInput, "The request body must be a JSON object, got \(json.typeName).")
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
