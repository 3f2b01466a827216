import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import CJRTestSupport
import CJRAPI
import CJRRunner
import CJRStore

/// Runs `command` with its arguments; true when it exits 0.
@discardableResult
private func system(_ command: String, _ arguments: [String]) throws -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: command)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus == 0
}

@Suite("A full disk: clear answers, nothing stuck, nothing lost that was committed", .enabled(if: getuid() == 0))
struct DiskFullTests {
    @Test("while the data directory is full: 507s naming it, a run that goes on and ends with its true status once there is room, its lost output counted")
    func drill() async throws {
        let mountPoint = URL(fileURLWithPath: "/var/tmp/cjr-full-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: mountPoint) }
        try #require(try system("/bin/mount", ["-t", "tmpfs", "-o", "size=24m", "tmpfs", mountPoint.path]), "mount a tmpfs")
        defer { _ = try? system("/bin/umount", ["-l", mountPoint.path]) }
        let data = DataDirectory(root: mountPoint.appendingPathComponent("data"))
        var configuration = APIConfiguration(host: "127.0.0.1", port: 0, dataDirectory: data, maxRuns: 2, maxTimeoutSeconds: 60)
        configuration.runner.graceSeconds = 0.5
        let server = TestServer(configuration: configuration)
        let filler = mountPoint.appendingPathComponent("filler")

        try await server.run { api in
            // A job that prints a 1 KB line every 20 ms for 2 s.
            let jobId = try await api.createScriptJob("for i in $(seq 100); do printf 'line %04d %01000d\\n' $i 0; sleep 0.02; done\n")
            let committed = try await api.createJob(name: "committed before", files: [("run.sh", "echo kept\n")])
            let (run, _) = try await api.startRun(jobId)
            let runId = try #require(run["id"].string)
            try await api.waitForRun(jobId, runId) { _ in true }
            while try await api.logs(jobId, runId).count < 4_000 { try await Task.sleep(for: .milliseconds(20)) }

            // Fill it up.
            _ = try system("/bin/dd", ["if=/dev/zero", "of=\(filler.path)", "bs=1M"])
            let refused = try await api.postJSON("/customJobs/", #"{"name": "while full"}"#)
            #expect(refused.status.code == 507)
            let message = try JSON(refused)["message"].string ?? ""
            #expect(message.hasPrefix("Insufficient storage: the data directory \(data.root.path) has "), "\(message)")
            var form = MultipartBody()
            form.field("name", "upload while full")
            form.file(path: "run.sh", content: Array(repeating: UInt8(ascii: "x"), count: 1 << 20))
            #expect(try await api.sendForm(.post, "/customJobs/", form).status.code == 507)
            // Reads go on, and stay fast.
            let started = ContinuousClock.now
            #expect(try await api.get("/version/").status == .ok)
            #expect(ContinuousClock.now - started < .seconds(1))
            // The run ends (its 2 s are over) while nothing can be written: it waits for room.
            try await Task.sleep(for: .milliseconds(2_500))
            #expect(try await api.run(jobId, runId)["status"].string == "running", "its end cannot be recorded yet")

            try FileManager.default.removeItem(at: filler)
            let final = try await api.waitForRun(jobId, runId, timeout: 30)
            #expect(final["status"].string == "succeeded", "the true status, once there was room: \(final)")
            #expect(final["exitCode"].int == 0)
            let log = try await api.logs(jobId, runId)
            #expect(log.hasPrefix("line 0001 "))
            #expect(log.contains("bytes of output were lost: the store could not take them (the data directory \(data.root.path) has"), "\(log.suffix(300))")
            // Nothing committed is lost, and writes work again.
            #expect(try await api.get("/customJobs/\(try #require(committed["id"].string))/").status == .ok)
            #expect(try await api.postJSON("/customJobs/", #"{"name": "after"}"#).status == .created)
            let (after, afterLog) = try await api.runToEnd(jobId: try #require(committed["id"].string))
            #expect(after["status"].string == "succeeded" && afterLog == "kept\n")
        }
    }
}
