import Foundation
import GRDB
import Testing
import CJRTestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Runs through a real `cjr serve` process: what only a separate server process can show
/// (its memory, being killed with SIGKILL).
@Suite("Runs through a cjr serve process", .serialized)
struct ServerRunTests {
    @Test("50 MB of output are captured intact while the server's memory stays bounded")
    func largeOutput() async throws {
        let server = try ServeProcess()
        let lines = 6_600_000 // `seq 1 6600000` writes 51.7 MB
        let before = try #require(server.peakMemory)
        let (job, run) = try await server.startScript("seq 1 \(lines)\n")
        let final = try await server.waitForRun(job, run, timeout: 120)
        #expect(final["status"] as? String == "succeeded")
        let after = try #require(server.peakMemory)
        let log = try await server.log(job, run)
        var expected = Data()
        expected.reserveCapacity(52_000_000)
        for number in 1...lines { expected.append(contentsOf: "\(number)\n".utf8) }
        #expect(log.count == expected.count)
        #expect(log == expected)
        #expect(final["logSize"] as? Int == expected.count)
        // Holding the output would add at least 50 MB; streaming adds a few buffers.
        #expect(after - before < 24 << 20, "peak memory grew by \((after - before) >> 20) MiB")
        print("50 MB run: peak memory \(before >> 20) MiB before, \(after >> 20) MiB after")
        _ = server.stop(with: SIGTERM)
    }

    @Test("a large file is served from disk with flat memory; an oversized JSON body gets 413 before it is read")
    func bodiesAndDownloads() async throws {
        let server = try ServeProcess()
        let token = try server.token
        // 24 MiB of text, uploaded, then read back through GET …/items/{id}/ (loaded whole,
        // it took four copies: the file, the string, the JSON, the response buffer).
        var form = MultipartBody()
        form.field("name", "big file")
        form.file(path: "big.txt", content: Array(repeating: UInt8(ascii: "x"), count: 24 << 20))
        let (status, data) = try await httpRequest(port: server.port, method: "POST", path: "/customJobs/", token: token,
                                                   body: form.bytes, contentType: form.contentType)
        #expect(status == 201)
        let job = jsonObject(data)
        let jobId = try #require(job["id"] as? String)
        let itemId = try #require((job["items"] as? [[String: Any]])?.first?["id"] as? String)
        server.resetPeakMemory()
        let before = try #require(server.peakMemory)
        let (itemStatus, item) = try await httpRequest(port: server.port, method: "GET", path: "/customJobs/\(jobId)/items/\(itemId)/", token: token)
        #expect(itemStatus == 200)
        #expect((jsonObject(item)["content"] as? String)?.utf8.count == 24 << 20)
        let after = try #require(server.peakMemory)
        #expect(after - before < 12 << 20, "serving 24 MiB grew the server's peak memory by \((after - before) >> 20) MiB")

        // A JSON body declared at 200 MB: refused from its Content-Length, with nothing sent.
        let raw = Process()
        raw.executableURL = URL(fileURLWithPath: "/bin/bash")
        raw.arguments = ["-c", """
            exec 3<>/dev/tcp/127.0.0.1/\(server.port)
            printf 'POST /api/v2/customJobs/ HTTP/1.1\\r\\nHost: localhost\\r\\nAuthorization: Token \(token)\\r\\nContent-Type: application/json\\r\\nContent-Length: 200000000\\r\\n\\r\\n' >&3
            timeout 5 head -1 <&3
            """]
        let pipe = Pipe()
        raw.standardOutput = pipe
        try raw.run()
        let answer = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        raw.waitUntilExit()
        #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
        // A chunked one just over the limit: refused once it passes 1 MiB.
        let (jsonStatus, jsonData) = try await httpRequest(port: server.port, method: "POST", path: "/customJobs/", token: token,
                                                           body: Array(("{\"name\": \"" + String(repeating: "n", count: (1 << 20) + 10) + "\"}").utf8),
                                                           contentType: "application/json")
        #expect(jsonStatus == 413)
        #expect((jsonObject(jsonData)["message"] as? String)?.contains("1048576 bytes") == true)
        _ = server.stop(with: SIGTERM)
    }

    @Test("a slow client is closed after the header timeout; a client past its connection cap gets 503; others are served")
    func connectionGuard() async throws {
        let server = try ServeProcess(extraArguments: ["--header-timeout", "1", "--max-connections-per-client", "3"])
        let token = try server.token
        // Three connections that send half a request head and stall, one that asks for
        // /version/ on top (the fourth: refused), and a fresh one once the three are closed.
        let script = """
            for i in 1 2 3; do
                exec {fd}<>/dev/tcp/127.0.0.1/\(server.port)
                printf 'GET /api/v2/version/ HTTP/1.1\\r\\nHost: x\\r\\n' >&$fd
                eval "slow$i=$fd"
            done
            sleep 0.3
            exec 9<>/dev/tcp/127.0.0.1/\(server.port)
            printf 'GET /api/v2/version/ HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Token \(token)\\r\\n\\r\\n' >&9
            echo "fourth: $(timeout 5 head -1 <&9)"
            start=$(date +%s%N)
            timeout 5 cat <&$slow1 >/dev/null; echo "slow closed after $(( ($(date +%s%N) - start) / 1000000 )) ms"
            sleep 0.3
            exec 8<>/dev/tcp/127.0.0.1/\(server.port)
            printf 'GET /api/v2/version/ HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Token \(token)\\r\\n\\r\\n' >&8
            echo "later: $(timeout 5 head -1 <&8)"
            # The same connection, kept alive: a second head trickled after the response is
            # closed within the timeout too.
            start=$(date +%s%N)
            printf 'GET /api/v2/ver' >&8
            timeout 5 cat <&8 >/dev/null; echo "second head closed after $(( ($(date +%s%N) - start) / 1000000 )) ms"
            """
        let raw = Process()
        raw.executableURL = URL(fileURLWithPath: "/bin/bash")
        raw.arguments = ["-c", script]
        let pipe = Pipe()
        raw.standardOutput = pipe
        raw.standardError = pipe
        try raw.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        raw.waitUntilExit()
        // Split on \r\n too, which Swift takes for one character.
        let lines = output.split(whereSeparator: \.isNewline).map(String.init)
        #expect(lines.first?.hasPrefix("fourth: HTTP/1.1 503") == true, "\(output)")
        let closedAfter = lines.first { $0.hasPrefix("slow closed after ") }.flatMap { Int($0.split(separator: " ")[3]) }
        #expect(closedAfter.map { $0 < 2_000 } == true, "the stalled head was closed within the header timeout: \(output)")
        #expect(lines.contains { $0.hasPrefix("later: HTTP/1.1 200") }, "\(output)")
        let secondClosed = lines.first { $0.hasPrefix("second head closed after ") }.flatMap { Int($0.split(separator: " ")[4]) }
        #expect(secondClosed.map { $0 < 2_000 } == true, "\(output)")
        _ = server.stop(with: SIGTERM)
    }

    @Test("SIGTERM stops the server promptly even while a client follows the log of a queued run")
    func shutdownWithFollower() async throws {
        let server = try ServeProcess(extraArguments: ["--max-runs", "1", "--grace", "0.5"])
        let (blockerJob, blockerRun) = try await server.startScript("sleep 60\n")
        try await server.waitForRun(blockerJob, blockerRun) { $0["startedAt"] is String }
        let (queuedJob, queuedRun) = try await server.startScript("echo never\n")
        let follower = Process()
        follower.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        follower.arguments = ["-s", "-o", "/dev/null", "-H", "Authorization: Token \(try server.token)",
                              "http://127.0.0.1:\(server.port)/api/v2/customJobs/\(queuedJob)/runs/\(queuedRun)/logs/?follow=true"]
        try follower.run()
        try await Task.sleep(for: .milliseconds(500))
        let started = Date()
        #expect(server.stop(with: SIGTERM, timeout: 20) != nil, "the server exited")
        #expect(Date().timeIntervalSince(started) < 10)
        follower.waitUntilExit()
        let restarted = try ServeProcess(dataDirectory: server.dataDirectory)
        #expect(try await restarted.run(blockerJob, blockerRun)["status"] as? String == "interrupted")
        _ = restarted.stop(with: SIGTERM)
    }

    @Test("cjr run interrupted while it starts leaves no queued run behind")
    func earlyInterrupt() async throws {
        let data = CJRBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/hello-world")
        var statuses: [String] = []
        for delay in [5, 20, 40, 60, 90, 120] {
            let process = Process()
            process.executableURL = CJRBinary.url
            process.arguments = ["run", folder.path, "--data-dir", data.path]
            // Output nobody can take (Foundation's null device refuses writes): cjr must not
            // die of it between creating its run and canceling it.
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            try await Task.sleep(for: .milliseconds(delay))
            #expect(await process.stop(with: SIGTERM, within: 30), "cjr run did not end 30 s after SIGTERM")
            statuses.append("\(delay) ms: \(process.terminationStatus)")
        }
        let database = data.appendingPathComponent("cjr.sqlite").path
        var queued = 0
        if FileManager.default.fileExists(atPath: database) {
            queued = try await DatabaseQueue(path: database).read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run WHERE status = 'running' AND started IS NULL") ?? 0
            }
        }
        #expect(queued == 0, "a later server would run what an interrupted cjr run left queued (exits: \(statuses))")
    }

    @Test("a server killed with SIGKILL mid-run leaves no process behind; on restart the run is interrupted with its log kept and the queue resumes")
    func crashRecovery() async throws {
        let marker = "cjr-test-\(UUID().uuidString)"
        let first = try ServeProcess(extraArguments: ["--max-runs", "1", "--grace", "0.5"])
        first.ownsData = false
        defer { try? FileManager.default.removeItem(at: first.dataDirectory) }
        let (job, run) = try await first.startScript("""
            echo before crash
            echo "token $DATAROBOT_API_TOKEN"
            bash -c 'exec -a \(marker) sleep 300' &
            wait
            """)
        try await first.waitForRun(job, run) { _ in !processesMarked(marker).isEmpty }
        // Output reaches the store within a fraction of a second; wait until it has.
        let flushDeadline = Date().addingTimeInterval(10)
        while Date() < flushDeadline {
            let soFar = String(decoding: try await first.log(job, run), as: UTF8.self)
            if soFar.contains("token ") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let (queuedJob, queuedRun) = try await first.startScript("echo the queued run ran\n")
        let queued = try await first.run(queuedJob, queuedRun)
        #expect(queued["startedAt"] is NSNull, "max-runs 1 keeps the second run queued")

        #expect(processesMarked(marker).count == 1)
        let runToken = try #require(String(decoding: try await first.log(job, run), as: UTF8.self)
            .split(separator: "\n").first { $0.hasPrefix("token ") }?.dropFirst(6))
        #expect(first.stop(with: SIGKILL) != nil)
        // The launcher notices its liveness pipe close and takes the tree down by itself.
        let deadline = Date().addingTimeInterval(10)
        while !processesMarked(marker).isEmpty && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(processesMarked(marker).isEmpty, "the run's process outlived the server")

        // A working directory no run owns (an older version kept failed runs' ones).
        let leftover = first.dataDirectory.appendingPathComponent("runs/ffffffffffffffffffffffff/job")
        try FileManager.default.createDirectory(at: leftover, withIntermediateDirectories: true)
        let second = try ServeProcess(extraArguments: ["--max-runs", "1"], dataDirectory: first.dataDirectory)
        // Recovery runs beside the server's start: give it a moment.
        var tokenStatus = 0
        for _ in 0..<100 {
            tokenStatus = Int(try await httpRequest(port: second.port, method: "GET", path: "/version/", token: String(runToken)).0)
            if tokenStatus == 401 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(tokenStatus == 401, "the interrupted run's token died with it")
        #expect(!FileManager.default.fileExists(atPath: leftover.deletingLastPathComponent().path), "start-up removes leftover workspaces")
        #expect(!FileManager.default.fileExists(atPath: first.dataDirectory.appendingPathComponent("runs/\(run)").path))
        let interrupted = try await second.run(job, run)
        #expect(interrupted["status"] as? String == "interrupted")
        #expect(interrupted["endReason"] as? String == "interrupted")
        let log = String(decoding: try await second.log(job, run), as: UTF8.self)
        #expect(log.hasPrefix("before crash\n"))
        #expect(log.contains("[cjr] interrupted"))
        let resumed = try await second.waitForRun(queuedJob, queuedRun)
        #expect(resumed["status"] as? String == "succeeded")
        #expect(String(decoding: try await second.log(queuedJob, queuedRun), as: UTF8.self) == "the queued run ran\n")
        _ = second.stop(with: SIGTERM)
    }
}

@Suite("Secrets stay out of the server's log")
struct SecretLoggingTests {
    @Test("a credential's secret appears in no log line of the server, even at trace level")
    func secretNotLogged() async throws {
        let server = try ServeProcess(extraArguments: ["--log-level", "trace"])
        let secret = "pw-\(UUID().uuidString)"
        let body = Array(#"{"name": "db", "credentialType": "basic", "user": "alice", "password": "\#(secret)"}"#.utf8)
        let (status, data) = try await httpRequest(port: server.port, method: "POST", path: "/credentials/", token: try server.token,
                                                   body: body, contentType: "application/json")
        #expect(status == 201)
        let id = try #require(jsonObject(data)["credentialId"] as? String)
        var form = MultipartBody()
        form.field("name", "uses secret")
        form.file(path: "metadata.yaml", content: Array("runtimeParameterDefinitions:\n  - {fieldName: DB, type: credential}\n".utf8))
        form.file(path: "run.sh", content: Array("test -n \"$DB_PASSWORD\" && echo has-password\n".utf8))
        form.field("runtimeParameterValues", "[{\"fieldName\": \"DB\", \"type\": \"credential\", \"value\": \"\(id)\"}]")
        let (jobStatus, jobData) = try await httpRequest(port: server.port, method: "POST", path: "/customJobs/", token: try server.token,
                                                         body: form.bytes, contentType: form.contentType)
        #expect(jobStatus == 201)
        let job = try #require(jsonObject(jobData)["id"] as? String)
        let (runStatus, runData) = try await httpRequest(port: server.port, method: "POST", path: "/customJobs/\(job)/runs/", token: try server.token)
        #expect(runStatus == 201)
        let run = try #require(jsonObject(runData)["id"] as? String)
        let final = try await server.waitForRun(job, run)
        #expect(final["status"] as? String == "succeeded")
        #expect(String(decoding: try await server.log(job, run), as: UTF8.self) == "has-password\n")
        #expect(server.stop(with: SIGTERM) == 0)
        let log = server.log
        #expect(log.contains("credential created"), "the log is being captured")
        #expect(!log.contains(secret))
    }
}
