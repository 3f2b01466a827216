import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing
import CJRTestSupport
import CJRAPI
import CJRStore

@Suite("A slow or vanished store record does not wedge a run")
struct StoreTroubleTests {
    @Test("output keeps flowing through a store that is locked for a while; the run ends whole")
    func lockedStore() async throws {
        let server = TestServer()
        defer { server.removeData() }
        try await server.run { api in
            // 1 KB every 3 ms for about 1.5 s: flushes by size and by time overlap while the
            // store waits for the lock.
            let jobId = try await api.createScriptJob("for i in $(seq 500); do printf 'line %04d %01000d\\n' $i 0; sleep 0.003; done\n")
            let (run, _) = try await api.startRun(jobId)
            let runId = try #require(run["id"].string)
            while try await api.logs(jobId, runId).count < 20_000 { try await Task.sleep(for: .milliseconds(10)) }
            var settings = Configuration()
            settings.busyMode = .timeout(10) // the server writes too: wait for our turn to lock
            let queue = try DatabaseQueue(path: server.dataDirectory.database.path, configuration: settings)
            try await queue.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                Thread.sleep(forTimeInterval: 2)
                try db.execute(sql: "COMMIT")
            }
            let final = try await api.waitForRun(jobId, runId, timeout: 30)
            #expect(final["status"].string == "succeeded")
            let log = try await api.logs(jobId, runId)
            #expect(log.split(separator: "\n").count == 500, "every line stored, in order")
            #expect(log.hasSuffix(String(format: "line 0500 %01000d\n", 0)))
        }
    }

    @Test("a run whose job is purged while it is being canceled ends, and frees its slot")
    func purgedWhileCanceling() async throws {
        try await withServer(maxRuns: 1, grace: 0.5) { api in
            let doomed = try await api.createScriptJob("trap '' TERM; echo started; sleep 2; echo done\n")
            let (run, _) = try await api.startRun(doomed)
            let runId = try #require(run["id"].string)
            while try await api.logs(doomed, runId).isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            // Deleting the job cancels its run; purging it right away removes the run's record.
            #expect(try await api.delete("/customJobs/\(doomed)/").status == .noContent)
            #expect(try await api.send(.post, "/customJobsCleanup/\(doomed)/").status == .noContent)
            // The only worker must come free for the next run.
            let (next, nextLog) = try await api.runToEnd("echo next\n", timeout: 30)
            #expect(next["status"].string == "succeeded")
            #expect(nextLog == "next\n")
        }
    }
}
