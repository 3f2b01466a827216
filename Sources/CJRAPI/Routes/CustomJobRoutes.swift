import Foundation
import Hummingbird
import Logging
import CJRModel
import CJRRunner
import CJRStore

/// `/customJobs/…`, `/deletedCustomJobs/` and `/customJobsCleanup/…`: the API mapped onto
/// the store. Each handler first checks the user's role on the job (``JobPermission``).
struct CustomJobRoutes {
    let store: RunStore
    let scheduler: RunScheduler
    let configuration: APIConfiguration

    func register(on router: RouterGroup<APIRequestContext>) {
        router.get("customJobs", use: list)
        router.post("customJobs", use: create)
        router.get("customJobs/:customJobId", use: show)
        router.patch("customJobs/:customJobId", use: update)
        router.delete("customJobs/:customJobId", use: delete)
        router.get("customJobs/:customJobId/items/:itemId", use: item)
        router.get("deletedCustomJobs", use: listDeleted)
        router.post("customJobsCleanup/:customJobId", use: purge)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let page = try await store.jobs(matching: try request.jobFilter, visibleTo: try context.requireUser.id, page: try request.pageRequest)
        return try JSONResponse.make(ListPayload(page: page, request: request, transform: JobPayload.init))
    }

    @Sendable func listDeleted(_ request: Request, context: APIRequestContext) async throws -> Response {
        let page = try await store.deletedJobs(visibleTo: try context.requireUser.id, page: try request.pageRequest)
        return try JSONResponse.make(ListPayload(page: page, request: request, transform: JobPayload.init))
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> Response {
        let changes = try await changes(from: request, operation: .create)
        let job = try await store.createJob(changes, ownerId: try context.requireUser.id)
        context.logger.info("custom job created", metadata: ["job": "\(job.id)", "items": "\(job.items.count)"])
        return try JSONResponse.make(JobPayload(job), status: .created)
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try context.parameters.require("customJobId")
        return try JSONResponse.make(JobPayload(try await store.job(id: id, checking: try context.access(.read))))
    }

    /// The reference answers a successful PATCH with 201.
    @Sendable func update(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try context.parameters.require("customJobId")
        try await context.authorize(.use, job: id, in: store) // before reading a possibly large body
        let changes = try await changes(from: request, operation: .update)
        return try JSONResponse.make(JobPayload(try await store.updateJob(id: id, changes, by: try context.requireUser.id)), status: .created)
    }

    /// Soft-deletes the job; its unfinished runs are canceled first.
    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try context.parameters.require("customJobId")
        try await context.authorize(.delete, job: id, in: store)
        await scheduler.cancelAll(jobId: id)
        try await store.deleteJob(id: id, by: try context.requireUser.id)
        return Response(status: .noContent)
    }

    /// An OWNER's live job is a 409 (delete it first), as the reference says.
    @Sendable func purge(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try context.parameters.require("customJobId")
        try await store.purgeJob(id: id, by: try context.requireUser.id)
        return Response(status: .noContent)
    }

    @Sendable func item(_ request: Request, context: APIRequestContext) async throws -> Response {
        let jobId = try context.parameters.require("customJobId")
        let item = try await store.jobItem(jobId: jobId, itemId: try context.parameters.require("itemId"), checking: try context.access(.read))
        return try FileContentPayload.response(item: item, blobs: store.blobs)
    }

    private func changes(from request: Request, operation: JobChangesParser.Operation) async throws -> JobChanges {
        let parser = JobChangesParser(operation: operation)
        switch try await request.jobBody(blobs: store.blobs, maxBytes: configuration.maxUploadBytes, maxJSONBytes: configuration.maxJSONBytes) {
        case .json(let json): return try parser.parse(json: json)
        case .form(let form): return try parser.parse(form: form)
        case .empty: return JobChanges()
        }
    }
}
