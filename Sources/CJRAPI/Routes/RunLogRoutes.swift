import Foundation
import Hummingbird
import ServiceLifecycle
import CJRModel
import CJRStore

/// `GET/DELETE /customJobs/{id}/runs/{runId}/logs/`: stdout and stderr in order, streamed
/// from the store chunk by chunk (memory stays flat whatever the size). `?follow=true`
/// keeps the response open and sends new output until the run ends, or until the caller's
/// token or role stops being valid (checked again at every poll).
struct RunLogRoutes {
    let store: RunStore
    static let followPoll: Duration = .milliseconds(200)

    func register(on router: RouterGroup<APIRequestContext>) {
        router.get("customJobs/:customJobId/runs/:runId/logs", use: read)
        router.delete("customJobs/:customJobId/runs/:runId/logs", use: delete)
    }

    @Sendable func read(_ request: Request, context: APIRequestContext) async throws -> Response {
        let jobId = try context.parameters.require("customJobId")
        let runId = try context.parameters.require("runId")
        try await context.authorize(.read, job: jobId, in: store)
        let follow: Bool
        switch request.uri.queryParameters["follow"] {
        case nil, "false", "False", "0": follow = false
        case "true", "True", "1": follow = true
        case let other?: throw CJRError.invalid("follow", "must be true or false, got '\(other)'")
        }
        let first = try await store.logChunks(jobId: jobId, runId: runId, limit: 16)
        if first.isEmpty && !follow {
            throw CJRError.notFound("No log found")
        }
        let headers: HTTPFields = [
            .contentType: "text/plain; charset=utf-8",
            .contentDisposition: "attachment; filename=custom-job-run-\(runId).log",
        ]
        let store = self.store
        let user = try context.requireUser
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var chunks = first
            var last = -1
            while true {
                for chunk in chunks {
                    try await writer.write(ByteBuffer(bytes: chunk.data))
                    last = chunk.seq
                }
                if chunks.count < 16 {
                    // A follower ends when the run does, or when the server stops: a queued
                    // run never ends while the server waits for requests in flight.
                    guard follow, !Task.isShuttingDownGracefully,
                          try await !store.run(jobId: jobId, runId: runId).status.isFinal else {
                        // One last read: output flushed just before the run ended.
                        for chunk in try await store.logChunks(jobId: jobId, runId: runId, after: last, limit: .max) {
                            try await writer.write(ByteBuffer(bytes: chunk.data))
                        }
                        break
                    }
                    guard try await store.isValid(tokenId: user.tokenId),
                          (try? await store.authorize(.read, jobId: jobId, userId: user.id)) != nil else { break }
                    try await Task.sleep(for: Self.followPoll)
                }
                chunks = try await store.logChunks(jobId: jobId, runId: runId, after: last, limit: 16)
            }
            try await writer.finish(nil)
        })
    }

    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> Response {
        let jobId = try context.parameters.require("customJobId")
        try await context.authorize(.use, job: jobId, in: store)
        guard try await store.deleteLog(jobId: jobId, runId: try context.parameters.require("runId"), by: try context.requireUser.id) else {
            throw CJRError.notFound("No log found")
        }
        return Response(status: .noContent)
    }
}
