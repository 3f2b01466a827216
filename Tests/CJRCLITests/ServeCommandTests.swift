import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite("cjr serve and cjr token as processes")
struct ServeCommandTests {
    @Test("cjr serve answers with the token it created and shuts down cleanly on SIGTERM and SIGINT", arguments: [SIGTERM, SIGINT])
    func gracefulShutdown(signal: Int32) async throws {
        let server = try ServeProcess()
        let (status, body) = try await httpGet(port: server.port, path: "/version/", token: try server.token)
        #expect(status == 200)
        #expect(body.contains("versionString"))
        #expect(server.stop(with: signal) == 0)
        // A shutdown is no error: services stopped mid-step (the schedule ticker's store
        // write, say) say nothing.
        #expect(!server.log.contains(" error "), "\(server.log)")
    }

    @Test("a port already in use, or an address not this machine's, is one line and exit 1 before any start-up log")
    func addressInUse() throws {
        let server = try ServeProcess()
        let data = CJRBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let second = try CJRBinary.run(["serve", "--port", "\(server.port)", "--data-dir", data.path])
        #expect(second.status == 1)
        #expect(second.output == "cjr: port \(server.port) on 127.0.0.1 is already in use (another cjr serve?); choose another with --port\n")
        let elsewhere = try CJRBinary.run(["serve", "--port", "1", "--host", "192.0.2.1", "--data-dir", data.path])
        #expect(elsewhere.output.hasPrefix("cjr: 192.0.2.1 is not an address of this machine"), "\(elsewhere.output)")
    }

    @Test("cjr token prints the token the server accepts; --rotate replaces it")
    func tokenCommand() async throws {
        let server = try ServeProcess()
        let printed = try CJRBinary.run(["token", "--data-dir", server.dataDirectory.path])
        #expect(printed.status == 0)
        let token = printed.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token == (try server.token))
        let rotated = try CJRBinary.run(["token", "--rotate", "--data-dir", server.dataDirectory.path])
        let newToken = rotated.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(newToken != token)
        #expect(try await httpGet(port: server.port, path: "/version/", token: token).0 == 401)
        #expect(try await httpGet(port: server.port, path: "/version/", token: newToken).0 == 200)
        _ = server.stop(with: SIGTERM)
    }

    @Test("cjr environments add creates versions a running server lists")
    func environmentsCommand() async throws {
        let server = try ServeProcess()
        let tools = CJRBinary.temporaryDirectory()
        try FileManager.default.createDirectory(at: tools, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tools) }
        let added = try CJRBinary.run(["environments", "add", "mytools", "--path", tools.path, "--data-dir", server.dataDirectory.path])
        #expect(added.status == 0, "\(added.output)")
        let bad = try CJRBinary.run(["environments", "add", "broken", "--path", "/no/such/dir", "--data-dir", server.dataDirectory.path])
        #expect(bad.status != 0)
        #expect(bad.output.contains("/no/such/dir"))
        let (status, body) = try await httpGet(port: server.port, path: "/executionEnvironments/", token: try server.token)
        #expect(status == 200)
        #expect(body.contains("mytools") && body.contains(tools.path))
        let listed = try CJRBinary.run(["environments", "list", "--data-dir", server.dataDirectory.path])
        #expect(listed.output.contains("mytools") && listed.output.contains("cjr-default"))
        _ = server.stop(with: SIGTERM)
    }

    @Test("--resource-bundles defines the server's bundles; a broken file stops it before it starts")
    func resourceBundlesFile() async throws {
        let file = CJRBinary.temporaryDirectory().appendingPathExtension("yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
            default: big
            bundles:
              - {id: small, memoryMiB: 128, cpuCount: 0.5, maxProcesses: 32, maxLogMiB: 4}
              - {id: big, name: Big, description: lots, memoryMiB: 2048, cpuCount: 2, maxProcesses: 256, maxLogMiB: 64}
            """.write(to: file, atomically: true, encoding: .utf8)
        let server = try ServeProcess(extraArguments: ["--resource-bundles", file.path])
        let (status, body) = try await httpGet(port: server.port, path: "/resourceBundles/", token: try server.token)
        #expect(status == 200)
        let bundles = (jsonObject(Data(body.utf8))["data"] as? [[String: Any]]) ?? []
        #expect(bundles.compactMap { $0["id"] as? String } == ["small", "big"])
        #expect(bundles.first { $0["isDefault"] as? Bool == true }?["memoryBytes"] as? Int == 2048 << 20)
        _ = server.stop(with: SIGTERM)

        try "bundles:\n  - {id: x, memoryMiB: 0, cpuCount: 1, maxProcesses: 1, maxLogMiB: 1}\n".write(to: file, atomically: true, encoding: .utf8)
        let broken = try CJRBinary.run(["serve", "--port", "0", "--resource-bundles", file.path, "--data-dir", CJRBinary.temporaryDirectory().path])
        #expect(broken.status != 0)
        #expect(broken.output.contains("bundle 'x' needs positive memoryMiB"), "\(broken.output)")
        let unknownDefault = try CJRBinary.run(["serve", "--port", "0", "--default-resource-bundle", "gpu.huge",
                                                "--data-dir", CJRBinary.temporaryDirectory().path])
        #expect(unknownDefault.output.contains("'gpu.huge' is not one of the bundles"), "\(unknownDefault.output)")
    }

    @Test("bad flags are reported without starting anything")
    func badFlags() throws {
        let result = try CJRBinary.run(["serve", "--max-runs", "0"])
        #expect(result.status != 0)
        #expect(result.output.contains("--max-runs"))
    }
}
