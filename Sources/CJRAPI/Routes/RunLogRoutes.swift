import Foundation
import Hummingbird
import ServiceLifecycle
import _NIOFileSystem
import CJRModel
import CJRStore

/// `GET/DELETE /customJobs/{id}/runs/{runId}/logs/`: stdout and stderr in order, streamed
/// from the run's log file in pieces up to its committed length (memory stays flat
/// whatever the size). `?follow=true`
/// keeps the response open and sends new output until the run ends, or until the caller's
/// token or role stops being valid (checked again at every look). A follower looks again as
/// soon as this server changes the run, and at least every ``followPoll``.
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
        let following = try await context.parsed(.read, job: jobId, in: store) { () throws -> Bool in
            switch request.uri.queryParameters["follow"] {
            case nil, "false", "False", "0": false
            case "true", "True", "1": true
            case let other?: throw CJRError.invalid("follow", "must be true or false, got '\(other)'")
            }
        }
        let access = try context.access(.read)
        let firstSeen = store.signals.generation(of: runId)
        let first = try await store.logState(jobId: jobId, runId: runId, checking: access)
        if first.committedBytes == 0 && !following {
            throw CJRError.notFound("No log found")
        }
        let headers: HTTPFields = [
            .contentType: "text/plain; charset=utf-8",
            .contentDisposition: "attachment; filename=custom-job-run-\(runId).log",
        ]
        let store = self.store
        let user = try context.requireUser
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var state = first
            var sent: Int64 = 0
            var seen = firstSeen
            while true {
                // A log deleted meanwhile starts again from its new beginning.
                if state.committedBytes < sent { sent = 0 }
                if state.committedBytes > sent {
                    guard try await Self.send(state.file, from: sent, to: state.committedBytes, to: &writer) else { break }
                    sent = state.committedBytes
                }
                // A follower ends when the run does (the state that says so has its final
                // length, all sent above), or when the server stops: a queued run never
                // ends while the server waits for requests in flight.
                guard following, !state.runEnded, !Task.isShuttingDownGracefully else { break }
                await store.signals.wait(for: runId, after: seen, upTo: Self.followPoll)
                seen = store.signals.generation(of: runId)
                // The follower's token and role are checked with every read: output written
                // after either is gone is not sent. Nor is that of a job deleted meanwhile:
                // the stream ends as if the run had.
                guard try await store.isValid(tokenId: user.tokenId) else { break }
                do {
                    state = try await store.logState(jobId: jobId, runId: runId, checking: access)
                } catch let error as CJRError where error.kind == .notFound || error.kind == .forbidden {
                    break
                }
            }
            try await writer.finish(nil)
        })
    }

    /// Streams bytes `start..<end` of a log file in pieces; false when the file went away
    /// (the log was deleted while being read).
    private static func send(_ file: URL, from start: Int64, to end: Int64, to writer: inout some ResponseBodyWriter) async throws -> Bool {
        do {
            try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(file.path)) { handle in
                for try await chunk in handle.readChunks(in: start...(end - 1), chunkLength: .kibibytes(256)) {
                    try await writer.write(chunk)
                }
            }
            return true
        } catch let error as FileSystemError where error.code == .notFound {
            return false
        }
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
