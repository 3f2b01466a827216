import Foundation
import Testing
import CJRTestSupport
import CJRModel
import CJRStore

/// `cjr run DIR`, driven as a user would drive it.
@Suite("cjr run DIR")
struct RunCommandTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples")

    /// A job folder with these files, in a scratch directory.
    private func folder(_ files: [String: String]) throws -> ScratchDirectory {
        let scratch = try ScratchDirectory()
        for (path, content) in files {
            let url = scratch.url.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try content.write(to: url, atomically: true, encoding: .utf8)
        }
        return scratch
    }

    private func cjrRun(_ arguments: [String], data: ScratchDirectory) throws -> (status: Int32, output: String) {
        try CJRBinary.run(["run"] + arguments + ["--data-dir", data.path])
    }

    @Test("cjr run --json prints the run's record exactly as the API serves it")
    func jsonIsTheAPIRecord() async throws {
        let data = try ScratchDirectory()
        defer { data.remove() }
        let result = try cjrRun([Self.examples.appendingPathComponent("hello-world").path, "--json"], data: data)
        #expect(result.status == 0, "\(result.output)")
        let printed = jsonObject(Data((result.output.split(separator: "\n").last ?? "").utf8))
        let server = try ServeProcess(dataDirectory: data.url)
        let served = try await server.run(try #require(printed["customJobId"] as? String), try #require(printed["id"] as? String))
        func canonical(_ object: [String: Any]) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        #expect(try canonical(printed) == canonical(served))
        #expect(printed["items"] != nil && printed["runtimeParameters"] != nil && printed["sandbox"] != nil)
        _ = server.stop(with: SIGTERM)
    }

    @Test("the hello-world example runs, streams its output and exits 0 with a summary")
    func helloWorld() throws {
        let data = try ScratchDirectory()
        defer { data.remove() }
        let result = try cjrRun([Self.examples.appendingPathComponent("hello-world").path], data: data)
        #expect(result.status == 0)
        #expect(result.output.hasPrefix("Hello from a custom job!\n"))
        #expect(result.output.contains("cjr: succeeded (exited, exit 0)"))
    }

    /// Whether the built-in environment's python3 has the official client.
    static let hasDataRobotClient: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["PATH=/usr/local/bin:/usr/bin:/bin", "python3", "-c", "import datarobot"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    static let exampleCases: [(folder: String, arguments: [String], status: Int32, expected: [String])] = [
        ("hello-world", [], 0, ["Hello from a custom job!\njob:  ", "files: README.md run.sh", "cjr: succeeded (exited, exit 0)"]),
        ("runtime-parameters", ["--param", "GREETING=Hi there", "--param", "THRESHOLD=12.5"], 0,
         ["GREETING=Hi there\nTHRESHOLD=12.5\nDRY_RUN=True\nSTORAGE_USER=<no credential set>\n",
          "TARGET_DEPLOYMENT=6553f1000000000000000001", "dry run: nothing changed"]),
        ("python-client", [], 0, hasDataRobotClient ? ["job 'python-client' has 1 run(s); this one is running"]
                                                     : ["skipped: the datarobot package is not installed for /usr/bin/python3."]),
        ("failing", [], 3, ["checking input.csv…\nerror: input.csv is missing or empty\n", "cjr: failed (exited, exit 3)"]),
        ("long-running", ["--param", "STEPS=2"], 0, ["step 1 of 2\nstep 2 of 2\nall 2 steps done\n"]),
        ("long-running", ["--timeout", "2"], 124, ["step 1 of 600\n", "received SIGTERM after step ", "cjr: failed (timeout"]),
        ("hosted-custom-metric", ["--job-type", "hostedCustomMetric"], 0,
         ["deployment 65f0d00d0000000000000001, metric 65f0c0ffee0000000000beef, model 65f0aaaa0000000000000002\n"
          + "mean latency over 4 predictions: 111.50 ms\ndry run: not submitting\n"]),
        ("notification", ["--param", "SUBJECT=Model retrained"], 0, [#"no WEBHOOK_URL set; would post: {"text": "Model retrained: job "#]),
    ]

    @Test("every example runs with `cjr run examples/NAME`, with its documented output and exit code", arguments: exampleCases)
    func example(folder: String, arguments: [String], status: Int32, expected: [String]) throws {
        let data = try ScratchDirectory()
        defer { data.remove() }
        let result = try cjrRun([Self.examples.appendingPathComponent(folder).path] + arguments, data: data)
        #expect(result.status == status, "\(result.output)")
        for text in expected { #expect(result.output.contains(text), "missing \(text.debugDescription) in:\n\(result.output)") }
    }

    /// Whether this host gives cjr a memory cgroup, as `cjr doctor` reports it.
    static let limitsMemory = (try? CJRBinary.run(["doctor"]).output.contains("memory (cgroup")) ?? false

    @Test("--resource-bundle limits the run; the summary names the limit it died of", .enabled(if: limitsMemory))
    func resourceBundle() throws {
        let data = try ScratchDirectory()
        defer { data.remove() }
        let job = try folder([:])
        defer { job.remove() }
        let probe = try CJRBinary.bringProbe(into: job.url)
        try (CJRBinary.prepareProbe + "exec \(probe) alloc 1024\n").write(to: job.url.appendingPathComponent("run.sh"), atomically: true, encoding: .utf8)
        let result = try cjrRun([job.path, "--resource-bundle", "cpu.micro"], data: data)
        #expect(result.status == 137, "the job's own status: SIGKILL")
        #expect(result.output.contains("[cjr] out of memory: the kernel killed a process of the run for exceeding the memory limit of 256 MiB (resource bundle cpu.micro)"))
        #expect(result.output.contains("cjr: failed (outOfMemory, exit 137)"), "\(result.output)")
        #expect(result.output.contains("memory.max=268435456, pids.max=64, cpu.max=0.5"))
        let unknown = try cjrRun([job.path, "--resource-bundle", "gpu.huge"], data: data)
        #expect(unknown.status == 125)
        #expect(unknown.output.contains("unknown resource bundle 'gpu.huge'"))
    }

    @Test("--profile datarobot: a 1.1 GiB allocation dies at the platform's 1 GiB", .enabled(if: limitsMemory))
    func profileMemory() throws {
        let data = try ScratchDirectory()
        defer { data.remove() }
        let job = try folder([:])
        defer { job.remove() }
        let probe = try CJRBinary.bringProbe(into: job.url)
        try (CJRBinary.prepareProbe + "exec \(probe) alloc 1126\n").write(to: job.url.appendingPathComponent("run.sh"), atomically: true, encoding: .utf8)
        let result = try cjrRun([job.path, "--profile", "datarobot"], data: data)
        #expect(result.status == 137, "\(result.output)")
        #expect(result.output.contains("exceeding the memory limit of 1024 MiB (resource bundle datarobot.default)"), "\(result.output)")
    }

    @Test("--profile datarobot refuses a folder over 10 MiB, naming the limit; without it, a warning")
    func profileFolderSize() throws {
        let data = try ScratchDirectory()
        defer { data.remove() }
        let job = try folder(["run.sh": "echo ran\n"])
        defer { job.remove() }
        try Data(count: 10_500_000).write(to: job.url.appendingPathComponent("data.bin"))
        let refused = try cjrRun([job.path, "--profile", "datarobot"], data: data)
        #expect(refused.status == 125)
        #expect(refused.output.contains("error: holds 10.0 MiB (10500009 bytes) of files, more than 10.0 MiB (10485760 bytes) (the datarobot profile's limit)"), "\(refused.output)")
        let warned = try cjrRun([job.path], data: data)
        #expect(warned.status == 0 && warned.output.contains("warning: holds 10.0 MiB (10500009 bytes) of files"), "\(warned.output)")
        #expect(try cjrRun([job.path, "--profile", "nope"], data: data).output.contains("unknown profile 'nope'; known: datarobot"))
    }

    @Test("a config file's profile: applies when --profile is not given; --profile none overrides it; a bad file is named")
    func profileFromConfigFile() throws {
        let data = try ScratchDirectory()
        defer { data.remove() }
        let job = try folder(["run.sh": "echo ran\n"])
        defer { job.remove() }
        try Data(count: 10_500_000).write(to: job.url.appendingPathComponent("data.bin"))
        let config = data.url.appendingPathComponent("config.yaml")
        func run(_ extra: [String]) throws -> (status: Int32, output: String) {
            var environment = ProcessInfo.processInfo.environment
            environment["CJR_CONFIG"] = config.path
            return try CJRBinary.run(["run", job.path, "--data-dir", data.path + "/store"] + extra, environment: environment)
        }
        try "profile: datarobot\n".write(to: config, atomically: true, encoding: .utf8)
        let refused = try run([])
        #expect(refused.status == 125 && refused.output.contains("(the datarobot profile's limit)"), "\(refused.output)")
        let overridden = try run(["--profile", "none"])
        #expect(overridden.status == 0 && overridden.output.contains("ran\n"), "\(overridden.output)")
        try "profil: datarobot\n".write(to: config, atomically: true, encoding: .utf8)
        let typo = try run([])
        #expect(typo.status != 0 && typo.output.contains("\(config.path): unknown setting 'profil'; did you mean 'profile'?"), "\(typo.output)")
        try "profile: datrobot\n".write(to: config, atomically: true, encoding: .utf8)
        let unknown = try run([])
        #expect(unknown.status != 0 && unknown.output.contains("\(config.path): profile: unknown profile 'datrobot'"), "\(unknown.output)")
    }

    /// `cjr run …`'s stdout lines with the seconds since start at which each arrived.
    private func timedLines(_ arguments: [String]) throws -> [(line: String, at: Double)] {
        let process = Process()
        process.executableURL = CJRBinary.url
        process.arguments = ["run"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        let started = Date()
        try process.run()
        var lines: [(String, Double)] = []
        var partial = ""
        while case let data = pipe.fileHandleForReading.availableData, !data.isEmpty {
            partial += String(decoding: data, as: UTF8.self)
            while let newline = partial.firstIndex(of: "\n") {
                lines.append((String(partial[..<newline]), Date().timeIntervalSince(started)))
                partial = String(partial[partial.index(after: newline)...])
            }
        }
        process.waitUntilExit()
        return lines
    }

    @Test("output is live: Python line by line by default; with --tty, a program that buffers unless on a terminal too, and the log stays plain")
    func liveOutput() throws {
        let data = try ScratchDirectory()
        defer { data.remove() }
        let python = try folder(["run.sh": "exec python3 -c 'import time\nfor i in range(3):\n    print(\"tick\", i)\n    time.sleep(0.6)\n'\n"])
        defer { python.remove() }
        let ticks = try timedLines([python.path, "--data-dir", data.path]).filter { $0.line.hasPrefix("tick") }
        #expect(ticks.map(\.line) == ["tick 0", "tick 1", "tick 2"])
        #expect(ticks.count == 3 && ticks[2].at - ticks[0].at > 0.9, "each line as printed: \(ticks)")

        // perl buffers a pipe's output whole, a terminal's line by line.
        let perl = try folder(["run.sh": "[ -t 1 ] && echo 'on a terminal'\nprintf '\\033[1;32mgreen\\033[0m\\n'\n"
                                         + "exec perl -e 'for (0..2) { print \"tock $_\\n\"; sleep 1 }'\n"])
        defer { perl.remove() }
        let piped = try timedLines([perl.path, "--data-dir", data.path]).filter { $0.line.hasPrefix("tock") }
        #expect(piped.count == 3 && piped[2].at - piped[0].at < 0.5, "without a terminal perl holds its output to the end: \(piped)")
        let terminal = try timedLines([perl.path, "--tty", "--json", "--data-dir", data.path])
        let tocks = terminal.filter { $0.line.hasPrefix("tock") }
        #expect(tocks.count == 3 && tocks[2].at - tocks[0].at > 1.5, "with --tty, line by line: \(tocks)")
        #expect(terminal.first?.line == "on a terminal", "\(terminal)")
        #expect(terminal.contains { $0.line == "\u{1B}[1;32mgreen\u{1B}[0m" }, "the terminal gets the colours: \(terminal)")
        let runId = try #require(jsonObject(Data((terminal.last?.line ?? "").utf8))["id"] as? String)
        let log = try CJRBinary.run(["logs", runId, "--data-dir", data.path])
        #expect(log.output == "on a terminal\ngreen\ntock 0\ntock 1\ntock 2\n", "the stored log is plain text: \(log.output)")
    }

    @Test("--environment names an execution environment; an unknown one is a preflight error")
    func environmentOption() throws {
        let data = try ScratchDirectory()
        defer { data.remove() }
        let hello = Self.examples.appendingPathComponent("hello-world").path
        #expect(try cjrRun([hello, "--environment", "cjr-default"], data: data).status == 0)
        let unknown = try cjrRun([hello, "--environment", "nope"], data: data)
        #expect(unknown.status == 125)
        #expect(unknown.output.contains("no execution environment is named 'nope'"), "\(unknown.output)")
    }

    @Test("the job's exit code is cjr's; --param values reach the run typed by metadata.yaml")
    func exitCodeAndParameters() throws {
        let data = try ScratchDirectory()
        defer { data.remove() }
        let job = try folder([
            "metadata.yaml": "runtimeParameterDefinitions:\n  - {fieldName: LIMIT, type: numeric, defaultValue: 1}\n",
            "run.sh": "echo \"limit=$LIMIT\"\nexit 7\n",
        ])
        defer { job.remove() }
        let result = try cjrRun([job.path, "--param", "LIMIT=3"], data: data)
        #expect(result.status == 7)
        #expect(result.output.hasPrefix("limit=3.0\n"))
        #expect(result.output.contains("cjr: failed (exited, exit 7)"))
    }

    @Test("problems found before running are reported like a compiler would, exit 125, and store nothing", arguments: [
        (["job.py": "print(1)\n"], ": error: no run.sh: there is no entry point to run"),
        (["run.sh": "true\n", "metadata.yaml": "runtimeParameterDefinitions:\n  - fieldName: X\n    type: text\n"], "/metadata.yaml:3:11: error: runtimeParameterDefinitions[0].type: 'text' is not one of"),
        (["run.sh": "true\n", "metadata.yaml": "runtimeParameterDefinitions:\n  - {fieldName: K, type: string, allowEmpty: false}\n"], "error: --param: parameter 'K' has allowEmpty: false and no value; pass one with --param K=VALUE"),
        (["run.sh": "#!/usr/bin/env python3\nprint(1)\n"], "/run.sh:1:1: error: starts with #!/usr/bin/env python3"),
        (["run.sh": "echo hi\r\n"], "/run.sh:1:8: error: has Windows line endings"),
    ])
    func preflight(files: [String: String], expected: String) async throws {
        let data = try ScratchDirectory()
        defer { data.remove() }
        let job = try folder(files)
        defer { job.remove() }
        let result = try cjrRun([job.path], data: data)
        #expect(result.status == 125)
        #expect(result.output.contains(expected), "\(result.output)")
        // Refused before anything was stored: no job, no run.
        let store = try RunStore(directory: DataDirectory(root: data.url))
        let admin = try store.adminUserId()
        #expect(try await store.jobs(matching: JobFilter(), visibleTo: admin, page: PageRequest()).totalCount == 0)
        #expect(try await store.deletedJobs(visibleTo: admin, page: PageRequest()).totalCount == 0)
    }

    @Test("Ctrl-C cancels the run; its processes are gone before cjr exits with 130")
    func interrupt() async throws {
        let data = try ScratchDirectory()
        defer { data.remove() }
        let marker = "cjr-test-\(UUID().uuidString)"
        let job = try folder(["run.sh": "bash -c 'exec -a \(marker) sleep 300' &\necho started\nwait\n"])
        defer { job.remove() }
        let process = Process()
        process.executableURL = CJRBinary.url
        process.arguments = ["run", job.path, "--data-dir", data.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // Each wait has its own deadline: a loaded machine slow to start the run must not
        // eat the time the cancel is given (the grace is 5 s; 60 s is ample for both).
        let started = Date().addingTimeInterval(60)
        while processesMarked(marker).isEmpty && process.isRunning && Date() < started { try await Task.sleep(for: .milliseconds(50)) }
        try #require(processesMarked(marker).count == 1, "the run did not start")
        kill(process.processIdentifier, SIGINT)
        let ended = Date().addingTimeInterval(60)
        while process.isRunning && Date() < ended { try await Task.sleep(for: .milliseconds(50)) }
        try #require(!process.isRunning, "cjr run was still running 60 s after Ctrl-C")
        #expect(process.terminationStatus == 130)
        #expect(processesMarked(marker).isEmpty, "the run's process outlived cjr run")
    }
}

@Suite("cjr check, and cjr run's tidy store")
struct CheckCommandTests {
    private func cjr(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try CJRBinary.run(arguments)
    }

    private func folder(_ files: [String: String]) throws -> ScratchDirectory {
        let scratch = try ScratchDirectory()
        for (path, content) in files {
            let url = scratch.url.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try content.write(to: url, atomically: true, encoding: .utf8)
        }
        return scratch
    }

    @Test("exit codes: 0 clean or warnings, 1 warnings with --strict, 125 errors; a missing folder is one line")
    func exitCodes() throws {
        let clean = try folder(["run.sh": "echo ok\n"])
        defer { clean.remove() }
        let result = try cjr(["check", clean.path])
        #expect(result.status == 0 && result.output == "0 errors, 0 warnings\n", "\(result)")

        let warned = try folder(["run.sh": "echo ok\n", "requirements.txt": "pandas\n-e ./local-package\n"])
        defer { warned.remove() }
        #expect(try cjr(["check", warned.path]).status == 0)
        let strict = try cjr(["check", warned.path, "--strict"])
        #expect(strict.status == 1 && strict.output.contains("\(warned.path)/requirements.txt:2:1: warning: '-e ./local-package' must be built from source"), "\(strict)")

        let broken = try folder(["run.sh": "echo ok\n", "metadata.yaml": "runtimeParameterDefinitons: []\n"])
        defer { broken.remove() }
        let refused = try cjr(["check", broken.path])
        #expect(refused.status == 125)
        #expect(refused.output.hasPrefix("\(broken.path)/metadata.yaml:1:1: error: unknown key 'runtimeParameterDefinitons'; did you mean 'runtimeParameterDefinitions'?\n"))

        let missing = try cjr(["run", "/nonexistent/job-folder"])
        #expect(missing.status == 125)
        #expect(missing.output == "/nonexistent/job-folder: error: no such folder\n1 error, 0 warnings\n", "\(missing.output)")
    }

    @Test("repeated cjr run of a folder reuses one job, named by metadata.yaml, with its files kept in step")
    func reusesOneJob() async throws {
        let data = try ScratchDirectory()
        defer { data.remove() }
        let job = try folder(["run.sh": "ls\n", "old.txt": "x\n", "metadata.yaml": "name: reporting job\n"])
        defer { job.remove() }
        #expect(try cjr(["run", job.path, "--data-dir", data.path]).output.contains("old.txt"))
        try FileManager.default.removeItem(at: job.url.appendingPathComponent("old.txt"))
        try "y\n".write(to: job.url.appendingPathComponent("new.txt"), atomically: true, encoding: .utf8)
        let second = try cjr(["run", job.path, "--data-dir", data.path])
        #expect(second.output.contains("new.txt") && !second.output.contains("old.txt"), "\(second.output)")
        let store = try RunStore(directory: DataDirectory(root: data.url))
        let jobs = try await store.jobs(matching: JobFilter(), visibleTo: try store.adminUserId(), page: PageRequest())
        #expect(jobs.items.map(\.name) == ["reporting job"])
        #expect(try await store.runs(jobId: jobs.items[0].id, scheduledJobId: nil, page: PageRequest()).totalCount == 2)
        // The same folder again: its job is not written (the same `updated`); a new version
        // of its environment is picked up, as the store picks the latest.
        #expect(try cjr(["run", job.path, "--data-dir", data.path]).status == 0)
        let unchanged = try await store.job(id: jobs.items[0].id)
        #expect(unchanged.updated == jobs.items[0].updated && unchanged.items == jobs.items[0].items)
        for label in ["one", "two"] {
            let (_, version) = try await store.addEnvironmentVersion(.init(environmentName: "tools", label: label))
            #expect(try cjr(["run", job.path, "--data-dir", data.path, "--environment", "tools"]).status == 0)
            #expect(try await store.job(id: jobs.items[0].id).environmentVersionId == version.id, "\(label)")
        }
        #expect(try await store.runs(jobId: jobs.items[0].id, scheduledJobId: nil, page: PageRequest()).totalCount == 5)
        // A bundle only a profile knows: run with it, then refused without the profile, though nothing else changed.
        let tools = ["--data-dir", data.path, "--environment", "tools", "--resource-bundle", "datarobot.default"]
        #expect(try cjr(["run", job.path, "--profile", "datarobot"] + tools).status == 0)
        let refused = try cjr(["run", job.path] + tools)
        #expect(refused.status == 125 && refused.output.contains("unknown resource bundle 'datarobot.default'"), "\(refused.output)")
    }

    @Test("cjr logs reads a run's log from the data directory by a unique start of its ID, no server needed")
    func logsFromTheStore() async throws {
        let data = try ScratchDirectory()
        defer { data.remove() }
        let job = try folder(["run.sh": "echo first line\necho second line\n"])
        defer { job.remove() }
        #expect(try cjr(["run", job.path, "--data-dir", data.path]).status == 0)
        let store = try RunStore(directory: DataDirectory(root: data.url))
        let jobs = try await store.jobs(matching: JobFilter(), visibleTo: try store.adminUserId(), page: PageRequest())
        let runId = try #require(try await store.runs(jobId: jobs.items[0].id, scheduledJobId: nil, page: PageRequest()).items.first?.id)
        let printed = try cjr(["logs", String(runId.suffix(24)), "--data-dir", data.path])
        #expect(printed.status == 0 && printed.output == "first line\nsecond line\n", "\(printed.output)")
        // Run IDs begin with their time: the first 8 characters are shared by runs made in
        // the same second, so a long enough start is needed; one that is too short says so.
        #expect(try cjr(["logs", String(runId.prefix(20)), "--data-dir", data.path]).output == "first line\nsecond line\n")
        let short = try cjr(["logs", "6b0", "--data-dir", data.path])
        #expect(short.status != 0 && short.output.contains("give at least 4 characters"), "\(short.output)")
        let none = try cjr(["logs", "ffffffff", "--data-dir", data.path])
        #expect(none.status != 0 && none.output == "cjr: No run with an ID starting 'ffffffff'.\n", "\(none.output)")
    }

    @Test("cjr prune removes old runs with their logs and files, keeps the newest, and says how much it freed")
    func prune() async throws {
        let data = try ScratchDirectory()
        defer { data.remove() }
        let job = try folder(["run.sh": "head -c 5000 /dev/zero | tr '\\0' x\n"])
        defer { job.remove() }
        for _ in 0..<3 { #expect(try cjr(["run", job.path, "--data-dir", data.path]).status == 0) }
        let logs = data.url.appendingPathComponent("logs")
        #expect(try FileManager.default.contentsOfDirectory(atPath: logs.path).count == 3)
        let kept = try cjr(["prune", "--keep", "1", "--data-dir", data.path])
        #expect(kept.status == 0)
        #expect(kept.output.hasPrefix("removed 2 runs (9.8 KiB of logs)"), "\(kept.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: logs.path).count == 1)
        try await Task.sleep(for: .milliseconds(1_100))
        let old = try cjr(["prune", "--older-than", "1s", "--data-dir", data.path])
        #expect(old.output.hasPrefix("removed 1 run (4.9 KiB of logs)"), "\(old.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: logs.path).isEmpty)
        let store = try RunStore(directory: DataDirectory(root: data.url))
        let jobs = try await store.jobs(matching: JobFilter(), visibleTo: try store.adminUserId(), page: PageRequest())
        #expect(jobs.totalCount == 1, "the job stays; only its runs went")
        #expect(try await store.runs(jobId: jobs.items[0].id, scheduledJobId: nil, page: PageRequest()).totalCount == 0)
        #expect(try cjr(["prune", "--keep", "-1", "--data-dir", data.path]).status != 0)
    }
}

/// requirements.txt installed as the platform does, from a local index (a wheel made here),
/// so the test needs no network.
@Suite("requirements.txt")
struct RequirementsTests {
    /// A one-module wheel, `cjrdemo-1.0-py3-none-any.whl`, in a fresh folder.
    static func wheelhouse() throws -> ScratchDirectory {
        let house = try ScratchDirectory()
        let script = """
            import zipfile, sys
            name = sys.argv[1] + "/cjrdemo-1.0-py3-none-any.whl"
            with zipfile.ZipFile(name, "w") as wheel:
                wheel.writestr("cjrdemo/__init__.py", "GREETING = 'hello from a wheel'\\n")
                wheel.writestr("cjrdemo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: cjrdemo\\nVersion: 1.0\\n")
                wheel.writestr("cjrdemo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: cjr-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
                wheel.writestr("cjrdemo-1.0.dist-info/RECORD", "")
            """
        let result = try CJRBinary.runTool("/usr/bin/python3", ["-c", script, house.path])
        guard result.status == 0 else { throw CLIFailure("could not make the wheel: \(result.output)") }
        return house
    }

    @Test("a folder's requirements.txt is installed once, its output first in the log, and the run imports it; later runs reuse it")
    func installsOnce() throws {
        let house = try Self.wheelhouse()
        defer { house.remove() }
        let data = try ScratchDirectory()
        defer { data.remove() }
        let job = try ScratchDirectory()
        defer { job.remove() }
        try "python3 -c 'import cjrdemo; print(cjrdemo.GREETING)'\n".write(to: job.url.appendingPathComponent("run.sh"), atomically: true, encoding: .utf8)
        try "cjrdemo==1.0\n".write(to: job.url.appendingPathComponent("requirements.txt"), atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["PIP_NO_INDEX"] = "1"
        environment["PIP_FIND_LINKS"] = house.path
        let first = try CJRBinary.run(["run", job.path, "--data-dir", data.path], environment: environment)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.hasPrefix("[cjr] requirements.txt: installing into a new environment (wheels only)\n"), "\(first.output)")
        #expect(first.output.contains("Successfully installed cjrdemo-1.0"))
        #expect(first.output.contains("hello from a wheel\n"))
        let second = try CJRBinary.run(["run", job.path, "--data-dir", data.path], environment: environment)
        #expect(second.status == 0)
        #expect(second.output.contains("requirements.txt: using the environment installed earlier"), "\(second.output)")
        #expect(!second.output.contains("Successfully installed"))

        // A requirement no index has: the run fails before it starts, saying why.
        try "cjrdemo==1.0\nno-such-package-cjr==9.9\n".write(to: job.url.appendingPathComponent("requirements.txt"), atomically: true, encoding: .utf8)
        let missing = try CJRBinary.run(["run", job.path, "--data-dir", data.path], environment: environment)
        #expect(missing.status != 0)
        #expect(missing.output.contains("installing requirements.txt failed"), "\(missing.output)")
        #expect(missing.output.contains("PIP_INDEX_URL or PIP_FIND_LINKS"))
    }
}
