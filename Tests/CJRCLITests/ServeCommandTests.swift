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

    @Test("bad flags are reported without starting anything")
    func badFlags() throws {
        let result = try CJRBinary.run(["serve", "--max-runs", "0"])
        #expect(result.status != 0)
        #expect(result.output.contains("--max-runs"))
    }
}
