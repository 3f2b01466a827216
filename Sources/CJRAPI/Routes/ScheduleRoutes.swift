import Foundation
import Hummingbird
import Logging
import CJRModel
import CJRStore

/// `customJobs/{id}/schedules/…`: a job's schedules. OBSERVERs read them; USERs create,
/// change and delete them (the runs a schedule starts act as whoever last saved it).
struct ScheduleRoutes {
    let store: RunStore
    let configuration: APIConfiguration

    func register(on router: RouterGroup<APIRequestContext>) {
        router.get("customJobs/:customJobId/schedules", use: list)
        router.post("customJobs/:customJobId/schedules", use: create)
        router.get("customJobs/:customJobId/schedules/:scheduleId", use: show)
        router.patch("customJobs/:customJobId/schedules/:scheduleId", use: update)
        router.delete("customJobs/:customJobId/schedules/:scheduleId", use: delete)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let jobId = try context.parameters.require("customJobId")
        try await context.authorize(.read, job: jobId, in: store)
        let page = try await store.schedules(jobId: jobId, page: try request.pageRequest)
        return try JSONResponse.make(ListPayload(page: page, request: request, transform: SchedulePayload.init))
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> Response {
        let jobId = try context.parameters.require("customJobId")
        try await context.authorize(.use, job: jobId, in: store)
        let body = try await Self.body(request, maxBytes: configuration.maxJSONBytes)
        guard let schedule = body.schedule else {
            throw CJRError.invalid("schedule", "is required: {minute, hour, dayOfMonth, month, dayOfWeek}, each a list of integers or [\"*\"]")
        }
        let created = try await store.createSchedule(jobId: jobId, schedule: schedule, timeZone: body.timeZone ?? nil,
                                                     overrides: body.parameterOverrides ?? [], by: try context.requireUser.id,
                                                     now: configuration.scheduleClock())
        context.logger.info("schedule created", metadata: ["job": "\(jobId)", "schedule": "\(created.id)",
                                                           "next": "\(created.nextRunAt?.iso8601 ?? "-")"])
        return try JSONResponse.make(SchedulePayload(created), status: .created)
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> Response {
        let jobId = try context.parameters.require("customJobId")
        try await context.authorize(.read, job: jobId, in: store)
        return try JSONResponse.make(SchedulePayload(try await store.schedule(jobId: jobId, id: try context.parameters.require("scheduleId"))))
    }

    @Sendable func update(_ request: Request, context: APIRequestContext) async throws -> Response {
        let jobId = try context.parameters.require("customJobId")
        let id = try context.parameters.require("scheduleId")
        try await context.authorize(.use, job: jobId, in: store)
        _ = try await store.schedule(jobId: jobId, id: id)
        let body = try await Self.body(request, maxBytes: configuration.maxJSONBytes)
        let change = ScheduleChange(schedule: body.schedule, timeZone: body.timeZone, parameterOverrides: body.parameterOverrides)
        let updated = try await store.updateSchedule(jobId: jobId, id: id, change, by: try context.requireUser.id,
                                                     now: configuration.scheduleClock())
        return try JSONResponse.make(SchedulePayload(updated))
    }

    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> Response {
        let jobId = try context.parameters.require("customJobId")
        try await context.authorize(.use, job: jobId, in: store)
        try await store.deleteSchedule(jobId: jobId, id: try context.parameters.require("scheduleId"), by: try context.requireUser.id)
        return Response(status: .noContent)
    }

    private static func body(_ request: Request, maxBytes: Int64) async throws -> ScheduleBody {
        let example = "{\"schedule\": {\"minute\": [0], \"hour\": [9], \"dayOfMonth\": [\"*\"], \"month\": [\"*\"], \"dayOfWeek\": [1, 2, 3, 4, 5]}}"
        guard let object = try await request.jsonObject(maxBytes: maxBytes, example: example) else {
            throw CJRError.invalid("schedule", "a JSON body is required: \(example)")
        }
        return try ScheduleBody.parse(object)
    }
}
