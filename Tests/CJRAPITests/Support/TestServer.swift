import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
@testable import CJRAPI
import CJRRunner
import CJRStore

/// A real cjr API server on a loopback port with its own temporary data directory.
/// `run` may be called several times: each call is a fresh server process-state on the same
/// directory, which is how the restart tests work.
struct TestServer: Sendable {
    let configuration: APIConfiguration

    init(maxUploadBytes: Int64 = APIConfiguration.defaultMaxUploadBytes, maxRuns: Int = 3, timeout: Int = 120,
         grace: Double = 1, maxLogBytes: Int64 = 128 << 20) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cjr-test-\(UUID().uuidString)")
        var configuration = APIConfiguration(host: "127.0.0.1", port: 0, dataDirectory: DataDirectory(root: root),
                                             maxRuns: maxRuns, maxTimeoutSeconds: timeout, maxUploadBytes: maxUploadBytes)
        configuration.runner.graceSeconds = grace
        configuration.runner.maxLogBytes = maxLogBytes
        self.configuration = configuration
    }

    init(configuration: APIConfiguration) { self.configuration = configuration }

    var dataDirectory: DataDirectory { configuration.dataDirectory }

    func run<Value: Sendable>(_ body: @Sendable (APIClient) async throws -> Value) async throws -> Value {
        var logger = Logger(label: "cjr-test")
        logger.logLevel = .warning
        let app = try await APIServer.makeApplication(configuration: configuration, logger: logger)
        let token = try String(contentsOf: dataDirectory.tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return try await app.test(.live) { client in
            try await body(APIClient(client: client, token: token, dataRoot: dataDirectory.root))
        }
    }

    func removeData() {
        try? FileManager.default.removeItem(at: dataDirectory.root)
    }
}

/// Runs `body` against a fresh server and removes its data afterwards.
func withServer<Value: Sendable>(
    maxUploadBytes: Int64 = APIConfiguration.defaultMaxUploadBytes, maxRuns: Int = 3, timeout: Int = 120,
    grace: Double = 1, maxLogBytes: Int64 = 128 << 20,
    _ body: @Sendable (APIClient) async throws -> Value
) async throws -> Value {
    let server = TestServer(maxUploadBytes: maxUploadBytes, maxRuns: maxRuns, timeout: timeout, grace: grace, maxLogBytes: maxLogBytes)
    defer { server.removeData() }
    return try await server.run(body)
}
