import Foundation
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

    /// Runs `cjr arguments…` to completion and returns its exit status and output.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
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
    private let output = Pipe()

    init(extraArguments: [String] = []) throws {
        dataDirectory = CJRBinary.temporaryDirectory()
        process.executableURL = CJRBinary.url
        process.arguments = ["serve", "--port", "0", "--data-dir", dataDirectory.path] + extraArguments
        process.standardOutput = output
        process.standardError = output
        try process.run()
        port = try waitForPort()
    }

    private func waitForPort() throws -> Int {
        var log = ""
        let handle = output.fileHandleForReading
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let data = handle.availableData
            if data.isEmpty { break }
            log += String(decoding: data, as: UTF8.self)
            if let range = log.range(of: "listening on 127.0.0.1:") {
                let digits = log[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits) { return port }
            }
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

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: dataDirectory)
    }
}

struct CLIFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A blocking GET with the given token, for talking to a `cjr serve` subprocess.
func httpGet(port: Int, path: String, token: String) async throws -> (Int, String) {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v2\(path)")!)
    request.setValue("Token \(token)", forHTTPHeaderField: "Authorization")
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
}
