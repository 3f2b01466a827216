import Foundation
import Logging
import ServiceLifecycle
import CJRAPI
import CJRStore

/// Live cjr servers on loopback for the benchmarks, in this process.
enum BenchServers {
    /// Starts a server for each configuration (port 0), hands `body` a client for each, and
    /// stops them all once it returns.
    static func run<Value: Sendable>(_ configurations: [APIConfiguration], _ body: @Sendable ([API]) async throws -> Value) async throws -> Value {
        var logger = Logger(label: "cjr-bench")
        logger.logLevel = .error
        let (ports, portContinuation) = AsyncStream<(Int, Int)>.makeStream()
        var apps: [any Service] = []
        for (index, configuration) in configurations.enumerated() {
            apps.append(try await APIServer.makeApplication(configuration: configuration, logger: logger) { port in
                portContinuation.yield((index, port))
            })
        }
        let group = ServiceGroup(configuration: .init(services: apps, logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var known: [Int: Int] = [:]
            for await (index, port) in ports {
                known[index] = port
                if known.count == configurations.count { break }
            }
            let clients = try configurations.enumerated().map { index, configuration in
                API(base: "http://127.0.0.1:\(known[index]!)/api/v2",
                    token: try String(contentsOf: configuration.dataDirectory.tokenFile, encoding: .utf8)
                        .trimmingCharacters(in: .whitespacesAndNewlines))
            }
            let value = try await body(clients)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return value
        }
    }
}
