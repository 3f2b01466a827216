import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import CJRTestSupport

@Suite("Run lifecycle: queue, cancel, status resource, logs")
struct RunLifecycleTests {
    @Test("creating a run answers 201 with an absolute Location to a status resource that redirects when done")
    func statusResource() async throws {
        try await withServer { api in
            let jobId = try await api.createScriptJob("sleep 0.5; exit 4\n")
            let (run, location) = try await api.startRun(jobId)
            let runId = try #require(run["id"].string)
            #expect(run["status"].string == "running")
            #expect(run["duration"].double == 0)
            let statusURL = try #require(location)
            #expect(statusURL.hasPrefix("http://") && statusURL.hasSuffix("/api/v2/status/\(run["jobStatusId"].string ?? "")/"))
            let statusPath = String(statusURL[statusURL.range(of: "/api/v2")!.upperBound...])
            let waiting = try await api.get(statusPath)
            #expect(waiting.status == .ok)
            #expect(["INITIALIZED", "RUNNING"].contains(try JSON(waiting)["status"].string ?? ""))
            try await api.waitForRun(jobId, runId)
            let done = try await api.get(statusPath)
            #expect(done.status == .seeOther)
            #expect(done.headers[.location]?.hasSuffix("/api/v2/customJobs/\(jobId)/runs/\(runId)/") == true)
            #expect(done.headers[.location]?.hasPrefix("http://") == true)
            #expect(try await api.get("/status/ffffffffffffffffffffffff/").status == .notFound)
        }
    }

    @Test("logs can be read while the run is running, and followed to the end")
    func liveLogs() async throws {
        try await withServer { api in
            // The run waits for the test's go-ahead, a file in its working directory, so
            // "still running" never depends on timing.
            let jobId = try await api.createScriptJob("echo first; until [ -e go ]; do sleep 0.05; done; echo second\n")
            let (run, _) = try await api.startRun(jobId)
            let runId = try #require(run["id"].string)
            var seen = ""
            let deadline = Date().addingTimeInterval(10)
            while !seen.contains("first") && Date() < deadline {
                seen = try await api.logs(jobId, runId)
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(seen == "first\n")
            #expect(try await api.run(jobId, runId)["status"].string == "running")
            let follower = Task { try await api.get("/customJobs/\(jobId)/runs/\(runId)/logs/?follow=true") }
            try await Task.sleep(for: .milliseconds(300))
            // Not `release`: it asks the server, and this client's one connection is the follower's.
            #expect(FileManager.default.createFile(atPath: api.workingDirectory(ofRun: runId).appendingPathComponent("go").path, contents: nil))
            let followed = try await follower.value
            #expect(String(buffer: followed.body) == "first\nsecond\n")
            #expect(followed.headers[.contentDisposition] == "attachment; filename=custom-job-run-\(runId).log")
            #expect(followed.headers[.contentType]?.hasPrefix("text/plain") == true)
        }
    }

    @Test("a run without output has no log (404 'No log found'); deleting a log works once")
    func noLog() async throws {
        try await withServer { api in
            let (run, log) = try await api.runToEnd("true\n")
            #expect(log.isEmpty)
            let jobId = try #require(run["customJobId"].string)
            let runId = try #require(run["id"].string)
            let missing = try await api.get("/customJobs/\(jobId)/runs/\(runId)/logs/")
            #expect(missing.status == .notFound)
            #expect(try JSON(missing)["message"].string == "No log found")
            #expect(try await api.delete("/customJobs/\(jobId)/runs/\(runId)/logs/").status == .notFound)

            let (other, _) = try await api.runToEnd("echo something\n")
            let otherJob = try #require(other["customJobId"].string)
            let otherRun = try #require(other["id"].string)
            #expect(try await api.delete("/customJobs/\(otherJob)/runs/\(otherRun)/logs/").status == .noContent)
            #expect(try await api.get("/customJobs/\(otherJob)/runs/\(otherRun)/logs/").status == .notFound)
        }
    }

    @Test("cancelling a running run ends it canceled with no process left")
    func cancelRunning() async throws {
        try await withServer(grace: 0.5) { api in
            let jobId = try await api.createScriptJob("""
                sleep 300 &
                echo ready
                wait
                """)
            let (run, _) = try await api.startRun(jobId)
            let runId = try #require(run["id"].string)
            try await api.waitForRun(jobId, runId) { _ in processesOfRun(runId).count >= 3 } // init, bash, sleep
            #expect(!processesOfRun(runId).isEmpty)
            #expect(try await api.delete("/customJobs/\(jobId)/runs/\(runId)/").status == .noContent)
            let status = try await api.run(jobId, runId)["status"].string
            #expect(status == "canceling" || status == "canceled")
            let final = try await api.waitForRun(jobId, runId)
            #expect(final["status"].string == "canceled")
            #expect(final["endReason"].string == "canceled")
            #expect(processesOfRun(runId).isEmpty, "no process of the run is left")
            #expect(try await api.logs(jobId, runId).contains("[cjr] canceled"))
            let again = try await api.delete("/customJobs/\(jobId)/runs/\(runId)/")
            #expect(again.status == .unprocessableContent, "an ended run cannot be canceled")
        }
    }

    @Test("a queued run waits with its position, and cancelling it means it never starts")
    func cancelQueued() async throws {
        try await withServer(maxRuns: 1, grace: 0.2) { api in
            let blocker = try await api.createScriptJob("sleep 30\n")
            let (first, _) = try await api.startRun(blocker)
            let firstId = try #require(first["id"].string)
            try await api.waitForRun(blocker, firstId) { $0["startedAt"].string != nil }

            let queuedJob = try await api.createScriptJob("echo should never run\n")
            let (queued, _) = try await api.startRun(queuedJob)
            let queuedId = try #require(queued["id"].string)
            let waiting = try await api.run(queuedJob, queuedId)
            #expect(waiting["status"].string == "running")
            #expect(waiting["startedAt"].isNull)
            #expect(waiting["queuePosition"].int == 0)
            #expect(waiting["duration"].double == 0)

            #expect(try await api.delete("/customJobs/\(queuedJob)/runs/\(queuedId)/").status == .noContent)
            let canceled = try await api.run(queuedJob, queuedId)
            #expect(canceled["status"].string == "canceled")
            #expect(canceled["startedAt"].isNull)
            #expect(canceled["duration"].double == 0)
            #expect(try await api.delete("/customJobs/\(blocker)/runs/\(firstId)/").status == .noContent)
            try await api.waitForRun(blocker, firstId)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await api.logs(queuedJob, queuedId).isEmpty, "the canceled run never started")
        }
    }

    @Test("never more than maxCustomJobRuns execute at once, and queued runs start in FIFO order")
    func poolLimitAndFIFO() async throws {
        try await withServer(maxRuns: 2) { api in
            // Each run logs when its process started and ended, by the host's clock. Two runs
            // dispatched together overlap only if neither's launch lags the other's by the whole
            // sleep: 1.5 s leaves room on a loaded machine (0.4 s did not, under scripts/test).
            let jobId = try await api.createScriptJob("""
                echo "start $CURRENT_CUSTOM_JOB_RUN_ID $(date +%s%N)"
                sleep 1.5
                echo "end $CURRENT_CUSTOM_JOB_RUN_ID $(date +%s%N)"
                """)
            var ids: [String] = []
            for _ in 0..<6 { ids.append(try #require(try await api.startRun(jobId).run["id"].string)) }
            var startedAt: [String: String] = [:]
            var events: [[Substring]] = []
            for id in ids {
                startedAt[id] = try await api.waitForRun(jobId, id)["startedAt"].string
                events += try await api.logs(jobId, id).split(separator: "\n").map { $0.split(separator: " ") }
            }
            var running = 0, peak = 0
            for event in events.sorted(by: { (Int($0[2]) ?? 0) < (Int($1[2]) ?? 0) }) {
                running += event[0] == "start" ? 1 : -1
                peak = max(peak, running)
            }
            #expect(events.count == 12)
            #expect(peak == 2, "the processes themselves saw \(peak) concurrent runs")
            // Runs dispatched together (two slots freed at once) race to record their start;
            // beyond that, no run starts before one created ahead of it.
            for (i, earlier) in ids.enumerated() {
                for later in ids[min(i + 2, ids.count)...] {
                    #expect((startedAt[earlier] ?? "~") <= (startedAt[later] ?? ""), "\(earlier) queued first: \(startedAt)")
                }
            }
        }
    }

    @Test("a run keeps the files it was created with, whatever happens to the job afterwards")
    func snapshot() async throws {
        try await withServer(maxRuns: 1, grace: 0.2) { api in
            let blocker = try await api.createScriptJob("sleep 30\n")
            let (first, _) = try await api.startRun(blocker)
            let firstId = try #require(first["id"].string)
            let jobId = try await api.createScriptJob("echo original\n")
            let (run, _) = try await api.startRun(jobId)
            let runId = try #require(run["id"].string)
            let originalItem = try #require(run["items"][0]["id"].string)

            var form = MultipartBody()
            form.file(path: "run.sh", content: Array("echo changed\n".utf8))
            #expect(try await api.sendForm(.patch, "/customJobs/\(jobId)/", form).status == .created)
            _ = try await api.delete("/customJobs/\(blocker)/runs/\(firstId)/")

            let final = try await api.waitForRun(jobId, runId)
            #expect(final["status"].string == "succeeded")
            #expect(final["items"][0]["id"].string == originalItem)
            #expect(try await api.logs(jobId, runId) == "original\n")
            let item = try JSON(try await api.get("/customJobs/\(jobId)/runs/\(runId)/items/\(originalItem)/"))
            #expect(item["content"].string == "echo original\n")
        }
    }

    @Test("runs are listed newest first, can be described with PATCH, and show on their job")
    func listAndUpdate() async throws {
        try await withServer { api in
            let jobId = try await api.createScriptJob("true\n")
            let first = try #require(try await api.startRun(jobId, body: #"{"description": "first"}"#).run["id"].string)
            let second = try #require(try await api.startRun(jobId).run["id"].string)
            for id in [first, second] { try await api.waitForRun(jobId, id) }
            let list = try JSON(try await api.get("/customJobs/\(jobId)/runs/?limit=1"))
            #expect(list["totalCount"].int == 2)
            #expect(list["data"][0]["id"].string == second)
            #expect(list["next"].string?.contains("offset=1") == true)
            #expect(try JSON(try await api.get("/customJobs/\(jobId)/runs/?scheduledJobId=abc"))["totalCount"].int == 0)
            let patched = try await api.postJSON("/customJobs/\(jobId)/runs/\(first)/", #"{"description": "renamed"}"#, method: .patch)
            #expect(patched.status == .created)
            #expect(try JSON(patched)["description"].string == "renamed")
            let bad = try await api.postJSON("/customJobs/\(jobId)/runs/", #"{"colour": "red"}"#)
            #expect(bad.status == .unprocessableContent)
            #expect(try JSON(bad)["message"].string?.hasPrefix("colour") == true)
            let job = try JSON(try await api.get("/customJobs/\(jobId)/"))
            #expect(job["lastRun"].string != nil)
            #expect(try await api.get("/customJobs/\(jobId)/runs/ffffffffffffffffffffffff/").status == .notFound)
        }
    }

    @Test("onlyRunning lists the jobs with a run in progress; deleting a job cancels its runs")
    func onlyRunningAndDelete() async throws {
        try await withServer(grace: 0.2) { api in
            let busy = try await api.createScriptJob("sleep 30\n", name: "busy")
            _ = try await api.createScriptJob("true\n", name: "idle")
            let runId = try #require(try await api.startRun(busy).run["id"].string)
            try await api.waitForRun(busy, runId) { $0["startedAt"].string != nil }
            let running = try JSON(try await api.get("/customJobs/?onlyRunning=true"))
            #expect(running["data"].array.compactMap { $0["name"].string } == ["busy"])
            #expect(try await api.delete("/customJobs/\(busy)/").status == .noContent)
            #expect(try JSON(try await api.get("/customJobs/?onlyRunning=true"))["totalCount"].int == 0)
        }
    }

    @Test("output beyond the log cap is dropped with a marker while the run goes on")
    func logCap() async throws {
        try await withServer(maxLogBytes: 10_000) { api in
            let (run, log) = try await api.runToEnd("head -c 50000 /dev/zero | tr '\\0' x; echo; echo still running >&2; exit 0\n")
            #expect(run["status"].string == "succeeded")
            #expect(run["logTruncated"].bool == true)
            #expect(log.hasPrefix(String(repeating: "x", count: 10_000)))
            #expect(log.contains("[cjr] log truncated"))
            #expect(log.contains("bytes of output were discarded"))
            #expect(!log.contains("still running"))
        }
    }
}
