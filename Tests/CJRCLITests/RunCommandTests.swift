import Foundation
import Testing
import CJRTestSupport

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
        #expect(unknown.status == 2)
        #expect(unknown.output.contains("unknown resource bundle 'gpu.huge'"))
    }

    @Test("--environment names an execution environment; an unknown one is a preflight error")
    func environmentOption() throws {
        let data = try ScratchDirectory()
        defer { data.remove() }
        let hello = Self.examples.appendingPathComponent("hello-world").path
        #expect(try cjrRun([hello, "--environment", "cjr-default"], data: data).status == 0)
        let unknown = try cjrRun([hello, "--environment", "nope"], data: data)
        #expect(unknown.status == 2)
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

    @Test("problems found before running are reported like a compiler would, with exit code 2", arguments: [
        (["job.py": "print(1)\n"], "no run.sh"),
        (["run.sh": "true\n", "metadata.yaml": "runtimeParameterDefinitions:\n  - fieldName: X\n    type: text\n"], "metadata.yaml: metadata.yaml line 3"),
        (["run.sh": "true\n", "metadata.yaml": "runtimeParameterDefinitions:\n  - {fieldName: K, type: string, allowEmpty: false}\n"], "allowEmpty: false"),
    ])
    func preflight(files: [String: String], expected: String) throws {
        let data = try ScratchDirectory()
        defer { data.remove() }
        let job = try folder(files)
        defer { job.remove() }
        let result = try cjrRun([job.path], data: data)
        #expect(result.status == 2)
        #expect(result.output.hasPrefix("error: \(job.path)"), "\(result.output)")
        #expect(result.output.contains(expected), "\(result.output)")
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
        let deadline = Date().addingTimeInterval(30)
        while processesMarked(marker).isEmpty && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(processesMarked(marker).count == 1)
        kill(process.processIdentifier, SIGINT)
        while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 130)
        #expect(processesMarked(marker).isEmpty, "the run's process outlived cjr run")
    }
}
