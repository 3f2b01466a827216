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

    @Test("the hello-world example runs, streams its output and exits 0 with a summary")
    func helloWorld() throws {
        let data = try ScratchDirectory()
        defer { data.remove() }
        let result = try cjrRun([Self.examples.appendingPathComponent("hello-world").path], data: data)
        #expect(result.status == 0)
        #expect(result.output.hasPrefix("Hello from a custom job!\n"))
        #expect(result.output.contains("cjr: succeeded (exited, exit 0)"))
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
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let job = try folder(["run.sh": "sleep 300 &\necho $! > \(scratch.path)/child.pid\necho started\nwait\n"])
        defer { job.remove() }
        let process = Process()
        process.executableURL = CJRBinary.url
        process.arguments = ["run", job.path, "--data-dir", data.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while scratch.read("child.pid").isEmpty && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let child = try #require(Int32(scratch.read("child.pid").trimmingCharacters(in: .whitespacesAndNewlines)))
        kill(process.processIdentifier, SIGINT)
        while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 130)
        #expect(!processIsAlive(child), "the run's process outlived cjr run")
    }
}
