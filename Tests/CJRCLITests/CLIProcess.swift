import Foundation
import CJRTestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The built `cjr` binary, run as a real subprocess.
enum CJRBinary {
    /// `swift build --build-tests` puts the executable next to the test bundle.
    static var url: URL {
        let directory = Bundle.main.bundleURL.deletingLastPathComponent()
        let candidate = directory.appendingPathComponent("cjr")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/cjr")
    }

    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("cjr-cli-\(UUID().uuidString)")
    }

    /// `cjr-sandbox-probe`, built next to `cjr`.
    static var probeBinary: String { url.deletingLastPathComponent().appendingPathComponent("cjr-sandbox-probe").path }

    /// Copies the probe into a job folder and returns how its script calls it (a
    /// contained run sees nothing of the checkout when it lies under /tmp, say); the
    /// script must start with `prepareProbe`.
    static func bringProbe(into folder: URL) throws -> String {
        try FileManager.default.copyItem(atPath: probeBinary, toPath: folder.appendingPathComponent("cjr-sandbox-probe").path)
        return "./cjr-sandbox-probe"
    }

    /// The script's first line when it calls the probe: uploaded files are not executable.
    static let prepareProbe = "chmod +x ./cjr-sandbox-probe\n"

    /// Runs `cjr arguments…` to completion and returns its exit status and output (stdout
    /// and stderr together). `wrapper` runs it through another program (e.g. `setpriv …
    /// --`); `environment` replaces the inherited one.
    static func run(_ arguments: [String], wrapper: [String] = [], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
        try runTool(wrapper.first ?? url.path, Array(wrapper.dropFirst()) + (wrapper.isEmpty ? [] : [url.path]) + arguments,
                    environment: environment)
    }
}

extension CJRBinary {
    /// Another program, its stdout and stderr together; `environment` replaces the inherited one.
    static func runTool(_ path: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// A `cjr serve` subprocess; its log is read until it says which port it listens on.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let dataDirectory: URL
    private(set) var port = 0
    /// The server's log goes to a file (a pipe nobody drains could fill up and stall it).
    let logFile: URL

    /// Whether the data directory goes with this process (false when a restart reuses it).
    var ownsData = true

    init(extraArguments: [String] = [], dataDirectory: URL? = nil) throws {
        self.dataDirectory = dataDirectory ?? CJRBinary.temporaryDirectory()
        process.executableURL = CJRBinary.url
        process.arguments = ["serve", "--port", "0", "--data-dir", self.dataDirectory.path] + extraArguments
        logFile = CJRBinary.temporaryDirectory().appendingPathExtension("log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logFile)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        try handle.close()
        port = try waitForPort()
    }

    /// Everything the server has logged so far.
    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    private func waitForPort() throws -> Int {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let range = log.range(of: "listening on 127.0.0.1:") {
                let digits = log[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits) { return port }
            }
            if !process.isRunning { break }
            usleep(20_000)
        }
        throw CLIFailure("cjr serve did not report a port; log:\n\(log)")
    }

    var token: String {
        get throws {
            try String(contentsOf: dataDirectory.appendingPathComponent("api-token"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Sends `signal` and waits up to `timeout` seconds for the process to exit.
    func stop(with signal: Int32, timeout: TimeInterval = 15) -> Int32? {
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Starts the peak over from the current resident size (`clear_refs` 5), so a later
    /// peak measures what came after, not an earlier high.
    func resetPeakMemory() {
        try? "5".write(toFile: "/proc/\(process.processIdentifier)/clear_refs", atomically: false, encoding: .utf8)
    }

    /// The peak resident memory of the server process so far, in bytes (VmHWM).
    var peakMemory: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kilobytes * 1024
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        if ownsData { try? FileManager.default.removeItem(at: dataDirectory) }
        try? FileManager.default.removeItem(at: logFile)
    }
}

struct CLIFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A GET with the given token, for talking to a `cjr serve` subprocess.
func httpGet(port: Int, path: String, token: String) async throws -> (Int, String) {
    let (status, data) = try await httpRequest(port: port, method: "GET", path: path, token: token)
    return (status, String(decoding: data, as: UTF8.self))
}

func httpRequest(port: Int, method: String, path: String, token: String, body: [UInt8]? = nil,
                 contentType: String? = nil) async throws -> (Int, Data) {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v2\(path)")!)
    request.httpMethod = method
    request.setValue("Token \(token)", forHTTPHeaderField: "Authorization")
    if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
    if let body { request.httpBody = Data(body) }
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
}

/// The JSON object of a response body.
func jsonObject(_ data: Data) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
}

extension ServeProcess {
    /// Creates a job whose run.sh is `script` and starts a run; returns (jobId, runId).
    func startScript(_ script: String) async throws -> (job: String, run: String) {
        var form = MultipartBody()
        form.field("name", "cli test")
        form.file(path: "run.sh", content: Array(script.utf8))
        let (status, data) = try await httpRequest(port: port, method: "POST", path: "/customJobs/", token: try token,
                                                   body: form.bytes, contentType: form.contentType)
        guard status == 201, let job = jsonObject(data)["id"] as? String else {
            throw CLIFailure("job create failed: \(status) \(String(decoding: data, as: UTF8.self))")
        }
        let (runStatus, runData) = try await httpRequest(port: port, method: "POST", path: "/customJobs/\(job)/runs/", token: try token)
        guard runStatus == 201, let run = jsonObject(runData)["id"] as? String else {
            throw CLIFailure("run create failed: \(runStatus)")
        }
        return (job, run)
    }

    func run(_ job: String, _ run: String) async throws -> [String: Any] {
        jsonObject(try await httpRequest(port: port, method: "GET", path: "/customJobs/\(job)/runs/\(run)/", token: try token).1)
    }

    func log(_ job: String, _ run: String) async throws -> Data {
        try await httpRequest(port: port, method: "GET", path: "/customJobs/\(job)/runs/\(run)/logs/", token: try token).1
    }

    /// Polls until the run's status is final (or `condition` holds).
    @discardableResult
    func waitForRun(_ job: String, _ run: String, timeout: Double = 60,
                    until condition: ([String: Any]) -> Bool = { ["succeeded", "failed", "interrupted", "canceled"].contains($0["status"] as? String ?? "") }
    ) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let current = try await self.run(job, run)
            if condition(current) { return current }
            if Date() > deadline { throw CLIFailure("run \(run) did not get there in \(timeout)s: \(current)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
