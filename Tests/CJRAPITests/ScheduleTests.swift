import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
import CJRModel
import CJRTestSupport
@testable import CJRAPI
import CJRRunner
@testable import CJRStore

/// A clock a test moves: schedules go by it, the runs they start execute in real time.
final class TestClock: Sendable {
    private let offset = Mutex<Int64>(0)

    /// Starts one second into the current minute and runs on with the wall clock: a test has
    /// 59 seconds before an every-minute schedule comes due on its own. (Started at the wall
    /// clock's time, a test that crossed a minute saw a firing it did not make.)
    init() {
        set(Timestamp(microseconds: Timestamp.now().microseconds / 60_000_000 * 60_000_000 + 1_000_000))
    }

    func now() -> Timestamp { Timestamp(microseconds: Timestamp.now().microseconds + offset.withLock { $0 }) }

    /// Makes it `target` now (and from there it runs on with the wall clock).
    func set(_ target: Timestamp) { offset.withLock { $0 = target.microseconds - Timestamp.now().microseconds } }
}

/// Schedules over HTTP against a real server: CRUD, validation, firings that start real
/// runs (by a test clock, so no test waits for minutes), skip-while-running, catch-up after
/// a restart, and what deleting a job or losing a role does to them.
@Suite("Schedules")
struct ScheduleTests {
    static func server(clock: TestClock, catchUp: ScheduleCatchUp = .one, root: URL? = nil) -> TestServer {
        let root = root ?? FileManager.default.temporaryDirectory.appendingPathComponent("cjr-schedules-\(UUID().uuidString)")
        var configuration = APIConfiguration(host: "127.0.0.1", port: 0, dataDirectory: DataDirectory(root: root), maxRuns: 2,
                                             maxTimeoutSeconds: 120)
        configuration.runner.graceSeconds = 0.5
        configuration.scheduleClock = { clock.now() }
        configuration.scheduleCatchUp = catchUp
        return TestServer(configuration: configuration)
    }

    static let metadata = """
        name: scheduled
        runtimeParameterDefinitions:
          - fieldName: GREETING
            type: string
            defaultValue: hello
          - fieldName: TIMES
            type: numeric
            minValue: 1
            maxValue: 3
            defaultValue: 1
        """

    static let everyMinute = #"{"minute": ["*"], "hour": ["*"], "dayOfMonth": ["*"], "month": ["*"], "dayOfWeek": ["*"]}"#

    static func timestamp(_ iso: String?) throws -> Timestamp {
        let date = try #require(iso.flatMap { ISO8601DateFormatter.withFraction.date(from: $0) }, "\(iso ?? "nil")")
        return Timestamp(microseconds: Int64((date.timeIntervalSince1970 * 1_000_000).rounded()))
    }

    /// The runs a schedule started, newest first.
    static func runs(_ client: APIClient, _ jobId: String, scheduledJobId: String) async throws -> [JSON] {
        try JSON(try await client.get("/customJobs/\(jobId)/runs/?scheduledJobId=\(scheduledJobId)")).array("data")
    }

    static func waitFor<T>(_ what: String, timeout: Double = 30, _ probe: () async throws -> T?) async throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let value = try await probe() { return value }
            if Date() > deadline { throw TestFailure("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test("create, list, read, change and delete a schedule; the answer has the client's shape and the next time in its zone")
    func crud() async throws {
        let clock = TestClock()
        let server = Self.server(clock: clock)
        defer { server.removeData() }
        try await server.run { admin in
            let jobId = try await admin.createScriptJob("echo \"$GREETING\"\n", extraFiles: [("metadata.yaml", Self.metadata)])
            clock.set(try Self.timestamp("2026-03-07T12:00:00.000000Z"))
            let created = try await admin.postJSON("/customJobs/\(jobId)/schedules/", """
                {"schedule": {"minute": [30], "hour": [2], "dayOfMonth": ["*"], "month": ["*"], "dayOfWeek": ["*"]},
                 "parameterOverrides": [{"fieldName": "GREETING", "type": "string", "value": "scheduled"}],
                 "timeZone": "America/New_York"}
                """)
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let schedule = try JSON(created)
            let id = try #require(schedule["id"].string)
            #expect(schedule["customJobId"].string == jobId)
            #expect(schedule["scheduledJobId"].string?.count == 24)
            #expect(schedule["scheduledJobId"].string != id)
            #expect(schedule["createdBy"]["username"].string == "admin")
            #expect(schedule["createdBy"].keys == ["id", "username", "firstName", "lastName"])
            #expect(schedule["schedule"]["minute"].array.map(\.int) == [30])
            #expect(schedule["schedule"]["dayOfWeek"].array.map(\.string) == ["*"])
            #expect(schedule["parameterOverrides"][0]["value"].string == "scheduled")
            // 02:30 does not exist in New York on 8 March 2026: it fires at 03:30 EDT.
            #expect(schedule["nextRunAt"].string == "2026-03-08T07:30:00.000000Z")
            #expect(schedule["skippedFirings"].int == 0)
            #expect(schedule["lastError"].isNull)

            let list = try JSON(try await admin.get("/customJobs/\(jobId)/schedules/?limit=1"))
            #expect(list["totalCount"].int == 1)
            #expect(list["data"][0]["id"].string == id)
            #expect(try JSON(try await admin.get("/customJobs/\(jobId)/schedules/\(id)/"))["id"].string == id)

            let bob = try admin.addUser("bob")
            try await admin.share(jobId, with: "bob", as: "USER")
            let changed = try await bob.postJSON("/customJobs/\(jobId)/schedules/\(id)/", """
                {"schedule": {"minute": [0, 30], "hour": ["*"], "dayOfMonth": ["*"], "month": ["*"], "dayOfWeek": ["*"]}, "timeZone": null}
                """, method: .patch)
            #expect(changed.status == .ok, "\(String(buffer: changed.body))")
            let after = try JSON(changed)
            #expect(after["updatedBy"]["username"].string == "bob")
            #expect(after["createdBy"]["username"].string == "admin")
            #expect(after["timeZone"].isNull)
            #expect(after["parameterOverrides"][0]["value"].string == "scheduled", "untouched parts stay")
            #expect(after["nextRunAt"].string == "2026-03-07T12:30:00.000000Z")

            #expect(try await bob.delete("/customJobs/\(jobId)/schedules/\(id)/").status == .noContent)
            #expect(try await admin.get("/customJobs/\(jobId)/schedules/\(id)/").status == .notFound)
            #expect(try JSON(try await admin.get("/customJobs/\(jobId)/schedules/"))["totalCount"].int == 0)
            #expect(try await admin.delete("/customJobs/\(jobId)/schedules/\(id)/").status == .notFound)
        }
    }

    @Test("bad schedules are refused with a 422 naming the field, and nothing is stored", arguments: [
        (#"{}"#, "schedule: is required"),
        (#"{"schedule": "*/5 * * * *"}"#, "schedule: must be an object"),
        (#"{"schedule": {"minute": [60], "hour": ["*"], "dayOfMonth": ["*"], "month": ["*"], "dayOfWeek": ["*"]}}"#,
         "schedule.minute: 60 is out of range: values are 0–59"),
        (#"{"schedule": {"minute": [], "hour": ["*"], "dayOfMonth": ["*"], "month": ["*"], "dayOfWeek": ["*"]}}"#,
         "schedule.minute: must not be empty"),
        (#"{"schedule": {"minute": [0], "hour": ["*", 3], "dayOfMonth": ["*"], "month": ["*"], "dayOfWeek": ["*"]}}"#,
         "schedule.hour: \"*\" means every value and stands alone"),
        (#"{"schedule": {"minute": [0.5], "hour": ["*"], "dayOfMonth": ["*"], "month": ["*"], "dayOfWeek": ["*"]}}"#,
         "schedule.minute: must be a list of integers 0–59, or [\"*\"]; 0.5 is not a whole number"),
        (#"{"schedule": {"minute": [0], "hour": ["*"], "dayOfMonth": [30, 31], "month": [2], "dayOfWeek": ["*"]}}"#,
         "schedule.dayOfMonth: can never fire: no month in [2] has day 30 or 31"),
        (#"{"schedule": {"minute": [0], "hour": ["*"], "dayOfMonth": ["*"], "month": ["*"], "dayOfWeek": [7]}}"#,
         "schedule.dayOfWeek: 7 is out of range: values are 0–6 (0 is Sunday)"),
        (#"{"schedule": {"minute": [0], "hour": ["*"], "dayOfMonth": ["*"], "month": ["*"]}}"#, "schedule.dayOfWeek: is required"),
        (#"{"schedule": {"minute": [0], "hour": ["*"], "dayOfMonth": ["*"], "month": ["*"], "day_of_week": ["*"]}}"#,
         "schedule.day_of_week: unknown field; did you mean 'dayOfWeek'?"),
        (#"{"schedule": {"minute": [0], "hour": ["*"], "dayOfMonth": ["*"], "month": ["*"], "dayOfWeek": ["*"]}, "timeZone": "Mars/Olympus"}"#,
         "timeZone: 'Mars/Olympus' is not a time zone"),
        (#"{"schedule": {"minute": [0], "hour": ["*"], "dayOfMonth": ["*"], "month": ["*"], "dayOfWeek": ["*"]}, "parameterOverides": []}"#,
         "parameterOverides: unknown field; did you mean 'parameterOverrides'?"),
        (#"{"schedule": {"minute": [0], "hour": ["*"], "dayOfMonth": ["*"], "month": ["*"], "dayOfWeek": ["*"]}, "parameterOverrides": [{"fieldName": "TIMES", "type": "numeric", "value": 9}]}"#,
         "parameterOverrides[0]"),
        (#"{"schedule": {"minute": [0], "hour": ["*"], "dayOfMonth": ["*"], "month": ["*"], "dayOfWeek": ["*"]}, "parameterOverrides": [{"fieldName": "NOPE", "type": "string", "value": "x"}]}"#,
         "parameterOverrides[0]"),
        (#"{"schedule": {"minute": [0], "hour": ["*"], "dayOfMonth": ["*"], "month": ["*"], "dayOfWeek": ["*"]}, "parameterOverrides": [{"fieldName": "GREETING", "type": "string", "value": null}]}"#,
         "parameterOverrides: parameter 'GREETING' has allowEmpty: false and no value"),
    ])
    func invalid(body: String, message: String) async throws {
        try await withServer { admin in
            let jobId = try await admin.createScriptJob("true\n", extraFiles: [("metadata.yaml", Self.metadata.replacingOccurrences(
                of: "    defaultValue: hello", with: "    allowEmpty: false"))])
            let response = try await admin.postJSON("/customJobs/\(jobId)/schedules/", body)
            #expect(response.status == .unprocessableContent, "\(String(buffer: response.body))")
            #expect(try JSON(response)["message"].string?.contains(message) == true, "\(String(buffer: response.body))")
            #expect(try JSON(try await admin.get("/customJobs/\(jobId)/schedules/"))["totalCount"].int == 0)
        }
    }

    @Test("a firing starts an ordinary run with scheduledJobId and the schedule's values; the next time follows")
    func firing() async throws {
        let clock = TestClock()
        let server = Self.server(clock: clock)
        defer { server.removeData() }
        try await server.run { admin in
            let jobId = try await admin.createScriptJob("echo \"$GREETING x $TIMES\"\n", extraFiles: [("metadata.yaml", Self.metadata)])
            let schedule = try JSON(try await admin.postJSON("/customJobs/\(jobId)/schedules/", """
                {"schedule": \(Self.everyMinute), "parameterOverrides": [{"fieldName": "TIMES", "type": "numeric", "value": 2}]}
                """))
            let scheduledJobId = try #require(schedule["scheduledJobId"].string)
            let due = try Self.timestamp(schedule["nextRunAt"].string)
            clock.set(due)
            let run = try await Self.waitFor("the first scheduled run") { try await Self.runs(admin, jobId, scheduledJobId: scheduledJobId).first }
            let runId = try #require(run["id"].string)
            #expect(run["description"].string == "Run of schedule \(schedule["id"].string ?? "") due at \(due.iso8601)")
            let final = try await admin.waitForRun(jobId, runId)
            #expect(final["status"].string == "succeeded")
            #expect(final["scheduledJobId"].string == scheduledJobId)
            #expect(final["trigger"].string == "schedule")
            let log = try await admin.logs(jobId, runId)
            #expect(log == "hello x 2.0\n", "numeric values as the platform writes them: \(log)")

            let after = try JSON(try await admin.get("/customJobs/\(jobId)/schedules/\(schedule["id"].string ?? "")/"))
            #expect(after["lastRunId"].string == runId)
            #expect(try Self.timestamp(after["nextRunAt"].string).microseconds == due.microseconds + 60_000_000)
            // Runs started by hand are not the schedule's.
            _ = try await admin.runToEnd(jobId: jobId)
            #expect(try await Self.runs(admin, jobId, scheduledJobId: scheduledJobId).count == 1)
            #expect(try JSON(try await admin.get("/customJobs/\(jobId)/runs/"))["totalCount"].int == 2)
        }
    }

    @Test("a firing while the previous run still runs is skipped and counted, not piled up")
    func skipWhileRunning() async throws {
        let clock = TestClock()
        let server = Self.server(clock: clock)
        defer { server.removeData() }
        try await server.run { admin in
            let jobId = try await admin.createScriptJob("until [ -e go ]; do sleep 0.05; done\n")
            let schedule = try JSON(try await admin.postJSON("/customJobs/\(jobId)/schedules/", #"{"schedule": \#(Self.everyMinute)}"#))
            let (id, scheduledJobId) = (try #require(schedule["id"].string), try #require(schedule["scheduledJobId"].string))
            let first = try Self.timestamp(schedule["nextRunAt"].string)
            clock.set(first)
            let run = try await Self.waitFor("the first run") { try await Self.runs(admin, jobId, scheduledJobId: scheduledJobId).first }
            let runId = try #require(run["id"].string)
            try await admin.waitForRun(jobId, runId) { $0["startedAt"].string != nil }

            for minute in 1...2 {
                clock.set(Timestamp(microseconds: first.microseconds + Int64(minute) * 60_000_000))
                let skipped = try await Self.waitFor("skip \(minute)") {
                    let now = try JSON(try await admin.get("/customJobs/\(jobId)/schedules/\(id)/"))
                    return now["skippedFirings"].int == minute ? now : nil
                }
                #expect(skipped["lastRunId"].string == runId)
            }
            #expect(try await Self.runs(admin, jobId, scheduledJobId: scheduledJobId).count == 1)

            try await admin.release(jobId, runId)
            #expect(try await admin.waitForRun(jobId, runId)["status"].string == "succeeded")
            clock.set(Timestamp(microseconds: first.microseconds + 3 * 60_000_000))
            let runs = try await Self.waitFor("the run after the skips") {
                let runs = try await Self.runs(admin, jobId, scheduledJobId: scheduledJobId)
                return runs.count == 2 ? runs : nil
            }
            #expect(runs[0]["id"].string != runId)
            try await admin.release(jobId, runs[0]["id"].string ?? "")
            try await admin.waitForRun(jobId, runs[0]["id"].string ?? "")
        }
    }

    @Test("after downtime a schedule fires once to catch up (--catch-up one), or not at all (none); never a burst")
    func catchUpAfterRestart() async throws {
        let clock = TestClock()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cjr-schedules-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let (jobId, id, scheduledJobId, due) = try await Self.server(clock: clock, root: root).run { admin in
            let jobId = try await admin.createScriptJob("echo caught up\n")
            let schedule = try JSON(try await admin.postJSON("/customJobs/\(jobId)/schedules/", #"{"schedule": \#(Self.everyMinute)}"#))
            return (jobId, try #require(schedule["id"].string), try #require(schedule["scheduledJobId"].string),
                    try Self.timestamp(schedule["nextRunAt"].string))
        }
        // Down for ten minutes: ten firings missed.
        clock.set(Timestamp(microseconds: due.microseconds + 10 * 60_000_000 + 5_000_000))
        try await Self.server(clock: clock, root: root).run { admin in
            let runs = try await Self.waitFor("the catch-up run") {
                let runs = try await Self.runs(admin, jobId, scheduledJobId: scheduledJobId)
                return runs.isEmpty ? nil : runs
            }
            #expect(runs[0]["description"].string?.hasPrefix("Catch-up run of schedule \(id) for \(due.iso8601)") == true,
                    "\(runs[0]["description"].string ?? "")")
            try await admin.waitForRun(jobId, runs[0]["id"].string ?? "")
            try await Task.sleep(for: .milliseconds(1_500)) // the ticker has looked again since
            #expect(try await Self.runs(admin, jobId, scheduledJobId: scheduledJobId).count == 1)
            let schedule = try JSON(try await admin.get("/customJobs/\(jobId)/schedules/\(id)/"))
            #expect(try Self.timestamp(schedule["nextRunAt"].string) > clock.now())
        }
        clock.set(Timestamp(microseconds: due.microseconds + 30 * 60_000_000 + 5_000_000))
        try await Self.server(clock: clock, catchUp: .none, root: root).run { admin in
            let schedule = try await Self.waitFor("the missed firing passed over") {
                let schedule = try JSON(try await admin.get("/customJobs/\(jobId)/schedules/\(id)/"))
                return try Self.timestamp(schedule["nextRunAt"].string) > clock.now() ? schedule : nil
            }
            #expect(schedule["skippedFirings"].int == 0)
            try await Task.sleep(for: .milliseconds(1_500))
            #expect(try await Self.runs(admin, jobId, scheduledJobId: scheduledJobId).count == 1)
        }
    }

    @Test("a deleted job's schedules stop, and go with it when it is cleaned up; a user who lost their role starts nothing")
    func deletionAndRoles() async throws {
        let clock = TestClock()
        let server = Self.server(clock: clock)
        defer { server.removeData() }
        try await server.run { admin in
            let bob = try admin.addUser("bob")
            let jobId = try await admin.createScriptJob("echo hi\n")
            try await admin.share(jobId, with: "bob", as: "USER")
            let bobs = try JSON(try await bob.postJSON("/customJobs/\(jobId)/schedules/", #"{"schedule": \#(Self.everyMinute)}"#))
            let bobsId = try #require(bobs["id"].string)
            try await admin.share(jobId, with: "bob", as: "OBSERVER")
            // An OBSERVER reads schedules but may not make or change them.
            #expect(try await bob.get("/customJobs/\(jobId)/schedules/").status == .ok)
            #expect(try await bob.postJSON("/customJobs/\(jobId)/schedules/", #"{"schedule": \#(Self.everyMinute)}"#).status == .forbidden)
            clock.set(try Self.timestamp(bobs["nextRunAt"].string))
            let refused = try await Self.waitFor("the refused firing") {
                let now = try JSON(try await admin.get("/customJobs/\(jobId)/schedules/\(bobsId)/"))
                return now["lastError"].string != nil ? now : nil
            }
            #expect(refused["lastError"].string?.contains("bob, whom its runs act as, may no longer start runs of this job") == true,
                    "\(refused["lastError"].string ?? "")")
            #expect(try JSON(try await admin.get("/customJobs/\(jobId)/runs/"))["totalCount"].int == 0)

            // The admin takes it over by changing it; then the job is deleted and it stops.
            let taken = try JSON(try await admin.postJSON("/customJobs/\(jobId)/schedules/\(bobsId)/", "{}", method: .patch))
            #expect(taken["updatedBy"]["username"].string == "admin")
            #expect(try await admin.delete("/customJobs/\(jobId)/").status == .noContent)
            clock.set(Timestamp(microseconds: try Self.timestamp(taken["nextRunAt"].string).microseconds + 1_000))
            try await Task.sleep(for: .milliseconds(1_500))
            let store = try admin.localStore()
            #expect(try await store.nextScheduleDue() == nil, "no live job has a schedule")
            #expect(try await store.fireDueSchedules(now: clock.now()).isEmpty)
            #expect(try await admin.send(.post, "/customJobsCleanup/\(jobId)/").status == .noContent)
            let remaining = try await store.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM schedule") }
            #expect(remaining == 0)
        }
    }

    @Test("a schedule firing every minute starts runs on the real clock", .timeLimit(.minutes(3)))
    func realMinute() async throws {
        try await withServer { admin in
            let jobId = try await admin.createScriptJob("echo on time\n")
            let schedule = try JSON(try await admin.postJSON("/customJobs/\(jobId)/schedules/", #"{"schedule": \#(Self.everyMinute)}"#))
            let scheduledJobId = try #require(schedule["scheduledJobId"].string)
            let due = try Self.timestamp(schedule["nextRunAt"].string)
            #expect(due.microseconds % 60_000_000 == 0)
            let run = try await Self.waitFor("the run at \(due.iso8601)", timeout: 90) {
                try await Self.runs(admin, jobId, scheduledJobId: scheduledJobId).first
            }
            let created = try Self.timestamp(run["created"].string)
            #expect(created >= due)
            #expect(created.microseconds - due.microseconds < 5_000_000, "fired within seconds of its time")
            let final = try await admin.waitForRun(jobId, run["id"].string ?? "")
            #expect(final["status"].string == "succeeded")
            #expect(try await admin.logs(jobId, run["id"].string ?? "") == "on time\n")
        }
    }
}

extension ISO8601DateFormatter {
    /// `2026-11-30T17:00:00.000000Z`: what the API writes.
    nonisolated(unsafe) static let withFraction: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
}

extension JSON {
    func array(_ key: String) -> [JSON] { self[key].array }
}
