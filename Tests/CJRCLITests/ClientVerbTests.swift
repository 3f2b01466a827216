import Foundation
import Testing
import CJRTestSupport

/// `cjr jobs|runs|limits|templates` against a live `cjr serve`, as a user types them.
@Suite("Client verbs against a running server")
struct ClientVerbTests {
    static let examples = RunCommandTests.examples

    /// Runs `cjr arguments…` with `environment` added; stdout and stderr apart.
    private func cjr(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = CJRBinary.url
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let out = scratch.url.appendingPathComponent("out"), err = scratch.url.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, scratch.read("out"), scratch.read("err"))
    }

    /// `cjr` with the server's URL and its data directory (for the token file).
    private func client(_ server: ServeProcess, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try cjr(arguments + ["--server", "http://127.0.0.1:\(server.port)", "--data-dir", server.dataDirectory.path])
    }

    private func json(_ text: String) -> [String: Any] { jsonObject(Data(text.utf8)) }

    @Test("jobs create/list/show/update/delete and runs start --wait/list/show/logs, tables and --json")
    func jobAndRunLifecycle() throws {
        let server = try ServeProcess()
        let created = try client(server, ["jobs", "create", Self.examples.appendingPathComponent("runtime-parameters").path,
                                          "--param", "GREETING=from the CLI", "--json"])
        #expect(created.status == 0, "\(created.stderr)")
        let job = try #require(json(created.stdout)["id"] as? String)

        let list = try client(server, ["jobs", "list"])
        #expect(list.stdout.hasPrefix("ID  "))
        #expect(list.stdout.contains("\(job)  runtime-parameters  default  run.sh       3"), "\(list.stdout)")
        let listed = try client(server, ["jobs", "list", "--json"])
        #expect(json(listed.stdout)["totalCount"] as? Int == 1)

        let shown = try client(server, ["jobs", "show", job])
        #expect(shown.stdout.contains("entry point  run.sh"))
        #expect(shown.stdout.contains("GREETING           string        from the CLI"), "\(shown.stdout)")

        let waited = try client(server, ["runs", "start", job, "--param", "THRESHOLD=55", "--wait"])
        #expect(waited.status == 0)
        #expect(waited.stdout.hasPrefix("GREETING=from the CLI\nTHRESHOLD=55.0\n"), "\(waited.stdout)")
        #expect(waited.stderr.contains("cjr: succeeded (exited, exit 0)"), "\(waited.stderr)")

        let runs = try client(server, ["runs", "list", job, "--json"])
        let run = try #require((json(runs.stdout)["data"] as? [[String: Any]])?.first?["id"] as? String)
        #expect(try client(server, ["runs", "list", job]).stdout.contains("\(run)  runtime-parameters  succeeded  0 "))
        #expect(try client(server, ["runs", "show", job, run]).stdout.contains("status       succeeded"))
        #expect(try client(server, ["runs", "logs", job, run]).stdout == waited.stdout)

        // update: the job's files become the folder's; the run.sh it no longer has is removed.
        let folder = try ScratchDirectory()
        defer { folder.remove() }
        try "echo updated; exit 5\n".write(to: folder.url.appendingPathComponent("run.sh"), atomically: true, encoding: .utf8)
        let updated = try client(server, ["jobs", "update", job, folder.path, "--name", "renamed"])
        #expect(updated.stdout.contains("updated job \(job) (renamed): 1 files uploaded, 2 removed, entry point run.sh"), "\(updated.stdout) \(updated.stderr)")
        let failed = try client(server, ["runs", "start", job, "--wait"])
        #expect(failed.status == 5, "--wait exits with the job's exit code")
        #expect(failed.stdout == "updated\n")

        #expect(try client(server, ["jobs", "delete", job]).stdout == "deleted job \(job)\n")
        let gone = try client(server, ["jobs", "show", job])
        #expect(gone.status == 1)
        #expect(gone.stderr == "cjr: server said 404 Not Found: Custom job \(job) not found.\n")
    }

    @Test("runs cancel stops a long run and its processes; logs --follow ends when the run does")
    func cancelAndFollow() async throws {
        let server = try ServeProcess()
        let created = try client(server, ["jobs", "create", "--template", "long-running", "--json"])
        let job = try #require(json(created.stdout)["id"] as? String, "\(created.stderr)")
        let started = try client(server, ["runs", "start", job, "--json"])
        let run = try #require(json(started.stdout)["id"] as? String, "\(started.stderr)")
        // On a thread of its own: it blocks until the run ends, and must not hold one of the
        // few threads the tests' async code runs on (2 on a 2-core machine).
        let follower = Task {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(status: Int32, stdout: String, stderr: String), any Error>) in
                Thread.detachNewThread {
                    continuation.resume(with: Result { try client(server, ["runs", "logs", job, run, "--follow"]) })
                }
            }
        }
        let deadline = Date().addingTimeInterval(30)
        while !String(decoding: try await server.log(job, run), as: UTF8.self).contains("step 2 of") && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let canceled = try client(server, ["runs", "cancel", job, run])
        #expect(canceled.stdout == "run \(run): canceled\n", "\(canceled.stderr)")
        let followed = try await follower.value
        #expect(followed.stdout.hasPrefix("step 1 of 600\n"))
        #expect(followed.stdout.contains("received SIGTERM after step"), "\(followed.stdout)")
        #expect(try client(server, ["runs", "show", job, run]).stdout.contains("ended by     canceled"))
    }

    @Test("CJR_SERVER and CJR_TOKEN configure the client; limits and templates read the server")
    func environmentAndReads() throws {
        let server = try ServeProcess(extraArguments: ["--max-runs", "3", "--max-timeout", "900"])
        let environment = ["CJR_SERVER": "http://127.0.0.1:\(server.port)/api/v2", "CJR_TOKEN": try server.token]
        let limits = try cjr(["limits"], environment: environment)
        #expect(limits.stdout == "maxCustomJobRuns     3 runs at once\nmaxCustomJobTimeout  900 s\n", "\(limits.stderr)")
        let templates = try cjr(["templates"], environment: environment)
        #expect(templates.stdout.contains("hosted-custom-metric  hostedCustomMetric  Hosted custom metric"), "\(templates.stdout)")
        let wrongToken = try cjr(["limits"], environment: environment.merging(["CJR_TOKEN": "nope"]) { $1 })
        #expect(wrongToken.status == 1)
        #expect(wrongToken.stderr == "cjr: server said 401 Unauthorized: Invalid or revoked API token. (the token came from $CJR_TOKEN)\n")
        let nobody = try cjr(["limits", "--server", "http://127.0.0.1:1", "--token", "x"])
        #expect(nobody.status == 1)
        #expect(nobody.stderr == "cjr: cannot reach http://127.0.0.1:1/api/v2 (connection refused); is `cjr serve` running there?\n")
    }

    @Test("bad values are refused before or by the server, as one line")
    func badValues() throws {
        let server = try ServeProcess()
        let created = try client(server, ["jobs", "create", Self.examples.appendingPathComponent("long-running").path, "--json"])
        let job = try #require(json(created.stdout)["id"] as? String)
        let notNumber = try client(server, ["runs", "start", job, "--param", "STEPS=many"])
        #expect(notNumber.status == 125)
        #expect(notNumber.stderr == "cjr: --param: 'STEPS' is numeric; 'many' is not a number\n")
        let tooMany = try client(server, ["runs", "start", job, "--param", "STEPS=1000000"])
        #expect(tooMany.status == 1)
        #expect(tooMany.stderr.contains("422 Unprocessable Entity: runtimeParameterValues[0]: parameter 'STEPS' is 1000000.0, above its maxValue"), "\(tooMany.stderr)")
        let refusedValue = try client(server, ["jobs", "create", "--template", "long-running", "--param", "STEPS=1000000"])
        #expect(refusedValue.status == 1)
        #expect(refusedValue.stderr.contains("above its maxValue"), "\(refusedValue.stderr)")
        let fromTemplate = try client(server, ["jobs", "create", "--template", "long-running", "--param", "STEPS=3", "--json"])
        let templateJob = try #require(json(fromTemplate.stdout)["id"] as? String, "\(fromTemplate.stderr)")
        #expect(try client(server, ["jobs", "show", templateJob]).stdout.contains("STEPS      numeric  3"))
        #expect(try client(server, ["jobs", "delete", templateJob]).status == 0)
        let unknownTemplate = try client(server, ["jobs", "create", "--template", "nope"])
        #expect(unknownTemplate.stderr == "cjr: server said 404 Not Found: Custom job template nope not found.\n", "\(unknownTemplate.stderr)")
        #expect(json(try client(server, ["jobs", "list", "--json"]).stdout)["totalCount"] as? Int == 1, "no half-created job")
    }

    @Test("client commands find the server from --data-dir alone; a 401 names where the token came from; an empty CJR_TOKEN is one line")
    func serverDiscovery() async throws {
        let server = try ServeProcess()
        // Logged just after "listening on", which ServeProcess waits for: give it a moment.
        let consoleLine = "url=http://127.0.0.1:\(server.port)/ [cjr] web console"
        try await waitUntil(timeout: 10) { server.log.contains(consoleLine) }
        #expect(server.log.contains(consoleLine), "the start-up log names the console")
        let listed = try cjr(["jobs", "list", "--data-dir", server.dataDirectory.path])
        #expect(listed.status == 0, "\(listed.stderr)")
        let wrong = try cjr(["jobs", "list", "--data-dir", server.dataDirectory.path], environment: ["CJR_TOKEN": "cjr_wrong"])
        #expect(wrong.stderr.contains("server said 401") && wrong.stderr.contains("(the token came from $CJR_TOKEN)"), "\(wrong.stderr)")
        let empty = try cjr(["jobs", "list", "--data-dir", server.dataDirectory.path], environment: ["CJR_TOKEN": ""])
        #expect(empty.status != 0 && empty.stderr.contains("CJR_TOKEN is set but empty"), "\(empty.stderr)")
        #expect(server.stop(with: SIGTERM) == 0)
        #expect(!FileManager.default.fileExists(atPath: server.dataDirectory.appendingPathComponent("server").path), "removed at shutdown")
    }

    @Test("ps lists runs across jobs: queued with their place, running, failed with why; jobs by name, runs by a unique ID start")
    func psAndReferences() async throws {
        let server = try ServeProcess(extraArguments: ["--max-runs", "1"])
        func create(_ name: String, _ script: String) throws -> String {
            let folder = CJRBinary.temporaryDirectory()
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try script.write(to: folder.appendingPathComponent("run.sh"), atomically: true, encoding: .utf8)
            let made = try client(server, ["jobs", "create", folder.path, "--name", name, "--json"])
            return try #require(json(made.stdout)["id"] as? String, "\(made)")
        }
        let failing = try create("failing", "exit 3\n")
        _ = try create("blocker", "until [ -e go ]; do sleep 0.05; done\n")
        #expect(try client(server, ["runs", "start", "failing", "--wait"]).status == 3, "a job by its name")
        let blocker = try #require(json(try client(server, ["runs", "start", "blocker", "--json"]).stdout)["id"] as? String)
        let queued = try #require(json(try client(server, ["runs", "start", String(failing.prefix(20)), "--json"]).stdout)["id"] as? String,
                                  "a job by a unique start of its ID")
        try await waitUntil { try client(server, ["runs", "show", blocker]).stdout.contains("status       running\n") }

        let ps = try client(server, ["ps"])
        #expect(ps.status == 0, "\(ps.stderr)")
        let lines = ps.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("ID  ") == true && lines.count == 4, "\(ps.stdout)")
        #expect(lines[1].hasPrefix("\(queued)  failing  queued (1st) "), "\(ps.stdout)")
        #expect(lines[2].hasPrefix("\(blocker)  blocker  running"), "\(ps.stdout)")
        #expect(lines[3].contains("  failing  failed (exit 3)  3 "), "\(ps.stdout)")
        #expect(try client(server, ["ps", "--status", "failed"]).stdout.split(separator: "\n").count == 2)
        #expect(try client(server, ["runs", "list", "--job", "blocker"]).stdout.split(separator: "\n").count == 2)
        #expect(json(try client(server, ["ps", "--all", "--json"]).stdout)["totalCount"] as? Int == 3)
        let typo = try client(server, ["ps", "--status", "runing"])
        #expect(typo.status != 0 && typo.stderr.contains("did you mean 'running'?"), "\(typo.stderr)")

        // A run by a unique start of its ID, with or without its job; ambiguity lists the candidates.
        #expect(try client(server, ["runs", "show", String(blocker.prefix(20))]).stdout.contains("run          \(blocker)"))
        #expect(try client(server, ["runs", "show", "blocker", String(blocker.prefix(20))]).stdout.contains("run          \(blocker)"))
        let ambiguous = try client(server, ["runs", "show", String(blocker.prefix(4))])
        #expect(ambiguous.status == 1 && ambiguous.stderr.contains("starts 3 runs' IDs: ") && ambiguous.stderr.contains("give more of it"),
                "\(ambiguous.stderr)")
        let short = try client(server, ["runs", "show", "abc"])
        #expect(short.status == 1 && short.stderr.contains("at least 4 hex digits"), "\(short.stderr)")
        let unknown = try client(server, ["jobs", "show", "nonesuch"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no job is named 'nonesuch'"), "\(unknown.stderr)")
        _ = try create("failing", "true\n")
        let twice = try client(server, ["jobs", "show", "failing"])
        #expect(twice.status == 1 && twice.stderr.contains("2 jobs are named 'failing'"), "\(twice.stderr)")

        // --watch redraws in place until interrupted.
        let watcher = Process()
        watcher.executableURL = CJRBinary.url
        watcher.arguments = ["ps", "--watch", "--server", "http://127.0.0.1:\(server.port)", "--data-dir", server.dataDirectory.path]
        let screen = Pipe()
        watcher.standardOutput = screen
        try watcher.run()
        try await Task.sleep(for: .milliseconds(2_500))
        kill(watcher.processIdentifier, SIGINT)
        watcher.waitUntilExit()
        let drawn = String(decoding: screen.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(drawn.components(separatedBy: "\u{1B}[H\u{1B}[2J").count >= 3, "redrawn at least twice: \(drawn)")
        #expect(drawn.contains("queued (1st)"))
        _ = try client(server, ["runs", "cancel", "blocker", blocker])
    }

    @Test("every listing command takes --json and prints JSON")
    func jsonEverywhere() throws {
        let server = try ServeProcess()
        let job = try #require(json(try client(server, ["jobs", "create", Self.examples.appendingPathComponent("hello-world").path,
                                                        "--json"]).stdout)["id"] as? String)
        let run = try #require(json(try client(server, ["runs", "start", job, "--wait", "--json"]).stdout)["id"] as? String)
        _ = try client(server, ["schedules", "add", job, "@daily"])
        let local = [["users", "list"], ["groups", "list"], ["tokens", "list"], ["environments", "list"]]
        for command in [["jobs", "list"], ["jobs", "show", job], ["runs", "list", job], ["runs", "list"], ["ps"], ["runs", "show", run],
                        ["schedules", "list", job], ["credentials", "list"], ["limits"], ["templates"]] + local {
            // The data directory's own commands take no --server.
            let result = local.contains(command) ? try cjr(command + ["--json", "--data-dir", server.dataDirectory.path])
                : try client(server, command + ["--json"])
            #expect(result.status == 0, "\(command): \(result.stderr)")
            #expect((try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) != nil, "\(command): \(result.stdout)")
        }
        let log = try client(server, ["runs", "logs", run, "--json"])
        #expect((json(log.stdout)["log"] as? String)?.hasPrefix("Hello from a custom job!") == true, "\(log)")
        #expect(try client(server, ["runs", "logs", run, "--json", "--follow"]).stderr.contains("does not combine with --follow"))
    }

    @Test("an upload over the server's limit is a 413 at once, from its announced length, not a lost connection")
    func uploadOverTheLimit() throws {
        let server = try ServeProcess(extraArguments: ["--max-upload-mb", "1"])
        let folder = CJRBinary.temporaryDirectory()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "echo hi\n".write(to: folder.appendingPathComponent("run.sh"), atomically: true, encoding: .utf8)
        try Data(repeating: 7, count: 40 << 20).write(to: folder.appendingPathComponent("data.bin"))
        let started = Date()
        let refused = try client(server, ["jobs", "create", folder.path])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("server said 413") && refused.stderr.contains("larger than the server's upload limit of 1048576 bytes"),
                "\(refused.stderr)")
        #expect(Date().timeIntervalSince(started) < 10, "refused before the 40 MB were sent")
        #expect(json(try client(server, ["jobs", "list", "--json"]).stdout)["totalCount"] as? Int == 0)
    }

    private func waitUntil(timeout: Double = 30, _ condition: () throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try !condition() {
            guard Date() < deadline else { throw CLIFailure("condition not met in \(timeout) s") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @Test("runs start --wait says where a queued run stands until it starts; Ctrl-C says the run goes on and how to cancel it")
    func waitMessages() async throws {
        let server = try ServeProcess(extraArguments: ["--max-runs", "1"])
        let blockerJob = try #require(json(try client(server, ["jobs", "create", "--template", "long-running", "--json"]).stdout)["id"] as? String)
        let blocker = try #require(json(try client(server, ["runs", "start", blockerJob, "--param", "STEPS=2", "--json"]).stdout)["id"] as? String)
        let job = try #require(json(try client(server, ["jobs", "create", Self.examples.appendingPathComponent("hello-world").path, "--json"]).stdout)["id"] as? String)
        let waited = try client(server, ["runs", "start", job, "--wait"])
        #expect(waited.status == 0, "\(waited.stderr)")
        #expect(waited.stderr.contains("queued, position 1\n"), "\(waited.stderr)")
        #expect(waited.stderr.contains(" started\n"), "\(waited.stderr)")
        _ = try? client(server, ["runs", "cancel", blockerJob, blocker])

        let process = Process()
        process.executableURL = CJRBinary.url
        process.arguments = ["runs", "start", blockerJob, "--wait", "--server", "http://127.0.0.1:\(server.port)", "--data-dir", server.dataDirectory.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        try await Task.sleep(for: .seconds(2))
        #expect(await process.stop(with: SIGINT, within: 30), "cjr runs start --wait did not end 30 s after Ctrl-C")
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 130)
        #expect(said.contains("stopped waiting; run ") && said.contains("goes on (`cjr runs cancel \(blockerJob) "), "\(said)")
    }

    @Test("credentials: secrets from stdin, never the command line; listed without values; named in --param; deleted by name")
    func credentialsCommand() async throws {
        let server = try ServeProcess()
        let data = ["--data-dir", server.dataDirectory.path]
        let process = Process()
        process.executableURL = CJRBinary.url
        process.arguments = ["credentials", "add", "warehouse", "--type", "basic", "--field", "user=alice"] + data
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try input.fileHandleForWriting.write(contentsOf: Data("s3cret-value\n".utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        let added = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0 && added.hasPrefix("added credential "), "\(added)")

        let listed = try cjr(["credentials", "list"] + data)
        #expect(listed.stdout.contains("warehouse") && listed.stdout.contains("basic") && !listed.stdout.contains("s3cret"), "\(listed)")
        let wrongType = try cjr(["credentials", "add", "x", "--type", "Basic", "--field", "user=a", "--field", "password=b"] + data)
        #expect(wrongType.stderr.contains("did you mean 'basic'?"), "\(wrongType.stderr)")

        let job = try #require(json(try client(server, ["jobs", "create", Self.examples.appendingPathComponent("runtime-parameters").path, "--json"]).stdout)["id"] as? String)
        let run = try client(server, ["runs", "start", job, "--param", "STORAGE=warehouse", "--wait"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("STORAGE_USER=alice\n") && run.stdout.contains("STORAGE_PASSWORD=<set, 12 characters>\n"), "\(run.stdout)")
        let unknown = try client(server, ["runs", "start", job, "--param", "STORAGE=warehose"])
        #expect(unknown.stderr.contains("no credential named 'warehose' among yours; did you mean 'warehouse'?"), "\(unknown.stderr)")
        #expect(try cjr(["credentials", "delete", "warehouse"] + data).stdout.hasPrefix("deleted credential "))
        #expect(!(try cjr(["credentials", "list"] + data).stdout.contains("warehouse")))
    }

    @Test("schedules add takes cron text and --param, list shows it back as cron with the next run, delete removes it")
    func schedulesCommand() throws {
        let server = try ServeProcess()
        let job = try #require(json(try client(server, ["jobs", "create", Self.examples.appendingPathComponent("runtime-parameters").path,
                                                        "--json"]).stdout)["id"] as? String)
        let added = try client(server, ["schedules", "add", job, "*/15 9-17 * * MON-FRI", "--time-zone", "Europe/Berlin",
                                        "--param", "THRESHOLD=70"])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("*/15 9-17 * * 1-5 (Europe/Berlin), next run 20"), "\(added.stdout)")
        let listed = try client(server, ["schedules", "list", job, "--json"])
        let item = try #require((json(listed.stdout)["data"] as? [[String: Any]])?.first)
        #expect(item["schedule"].flatMap { ($0 as? [String: Any])?["hour"] as? [Int] } == Array(9...17))
        #expect((item["parameterOverrides"] as? [[String: Any]])?.first?["value"] as? Double == 70)
        let id = try #require(item["id"] as? String)
        let table = try client(server, ["schedules", "list", job])
        #expect(table.stdout.contains("\(id)  */15 9-17 * * 1-5  Europe/Berlin"), "\(table.stdout)")

        let badCron = try client(server, ["schedules", "add", job, "61 * * * *"])
        #expect(badCron.status != 0 && badCron.stderr.contains("schedule.minute: '61' is not in 0–59"), "\(badCron.stderr)")
        let badParam = try client(server, ["schedules", "add", job, "@daily", "--param", "THRESHOLD=lots"])
        #expect(badParam.status == 125 && badParam.stderr.contains("'THRESHOLD' is numeric"), "\(badParam)")
        let badZone = try client(server, ["schedules", "add", job, "@daily", "--time-zone", "Berlin"])
        #expect(badZone.status == 1 && badZone.stderr.contains("timeZone: 'Berlin' is not a time zone"), "\(badZone.stderr)")

        #expect(try client(server, ["schedules", "delete", job, id]).stdout == "deleted schedule \(id) of job \(job)\n")
        #expect(!(try client(server, ["schedules", "list", job]).stdout.contains(id)))
    }

    @Test("cjr serve --profile datarobot: the platform's timeout, one run at a time per user, its bundle the default")
    func serveProfile() async throws {
        let server = try ServeProcess(extraArguments: ["--profile", "datarobot"])
        let limits = try await httpGet(port: server.port, path: "/customJobLimits/", token: server.token).1
        #expect(limits.contains("\"maxCustomJobTimeout\":1800") && limits.contains("\"maxCustomJobRunsPerUser\":1"), "\(limits)")
        let bundles = try await httpGet(port: server.port, path: "/resourceBundles/datarobot.default/", token: server.token)
        #expect(bundles.0 == 200 && bundles.1.contains("1073741824"), "\(bundles.1)")
    }

    @Test("an administrator sets up a team with the README's commands; tokens stop at revoke and disable")
    func teamSetup() async throws {
        let server = try ServeProcess(extraArguments: ["--max-runs-per-user", "2"])
        let data = ["--data-dir", server.dataDirectory.path]
        let alice = try cjr(["users", "add", "alice", "--org", "acme", "--group", "ml"] + data)
        #expect(alice.status == 0 && alice.stdout.contains("created organization acme"), "\(alice)")
        #expect(try cjr(["users", "add", "bob", "--org", "acme", "--group", "ml"] + data).status == 0)
        let aliceToken = try cjr(["tokens", "create", "--user", "alice", "--expires", "90d", "--name", "laptop"] + data)
        #expect(aliceToken.status == 0 && aliceToken.stderr.contains("not shown again"), "\(aliceToken)")
        let bobToken = try cjr(["tokens", "create", "--user", "bob"] + data)
        let (aliceSecret, bobSecret) = (aliceToken.stdout.trimmingCharacters(in: .newlines), bobToken.stdout.trimmingCharacters(in: .newlines))
        #expect(aliceSecret.hasPrefix("cjr_") && bobSecret.hasPrefix("cjr_"))

        let users = try cjr(["users", "list"] + data).stdout
        #expect(users.contains("alice") && users.contains("acme") && users.contains("ml"), "\(users)")
        #expect(try cjr(["groups", "list"] + data).stdout.contains("alice,bob"))
        let tokens = try cjr(["tokens", "list"] + data).stdout
        #expect(tokens.contains("laptop") && !tokens.contains(aliceSecret), "\(tokens)")
        #expect(try cjr(["users", "add", "alice"] + data).stderr.contains("already exists"))
        #expect(try cjr(["tokens", "create", "--user", "alice", "--expires", "soon"] + data).status != 0)

        #expect(try await httpGet(port: server.port, path: "/customJobs/", token: aliceSecret).0 == 200)
        #expect(try await httpGet(port: server.port, path: "/customJobs/", token: bobSecret).0 == 200)
        #expect(try cjr(["users", "disable", "alice"] + data).status == 0)
        #expect(try await httpGet(port: server.port, path: "/customJobs/", token: aliceSecret).0 == 401)
        let bobsId = try #require(tokens.split(separator: "\n").first { $0.contains(" bob ") }?.split(separator: " ").first)
        #expect(try cjr(["tokens", "revoke", String(bobsId)] + data).status == 0)
        #expect(try await httpGet(port: server.port, path: "/customJobs/", token: bobSecret).0 == 401)
        #expect(try await httpGet(port: server.port, path: "/customJobLimits/", token: server.token).1.contains("\"maxCustomJobRunsPerUser\":2"))
    }
}
