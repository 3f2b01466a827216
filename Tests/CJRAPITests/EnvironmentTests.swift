import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import CJRModel
import CJRStore

@Suite("Execution environments")
struct EnvironmentTests {
    @Test("the built-in default environment is listed in the platform's shape")
    func defaultEnvironment() async throws {
        try await withServer { api in
            let list = try JSON(try await api.get("/executionEnvironments/"))
            #expect(list["totalCount"].int == 1)
            let environment = list["data"][0]
            #expect(environment["id"].string == "000000000000000000000001")
            #expect(environment["name"].string == "cjr-default")
            let latest = environment["latestVersion"]
            #expect(latest["id"].string == "000000000000000000000002")
            #expect(latest["buildStatus"].string == "success")
            #expect(latest["imageId"].string != nil)
            #expect(latest["searchPath"].array.compactMap { $0.string } == ["/usr/local/bin", "/usr/bin", "/bin"])
            let versions = try JSON(try await api.get("/executionEnvironments/000000000000000000000001/versions/"))
            #expect(versions["data"][0]["environmentId"].string == "000000000000000000000001")
            #expect(try await api.get("/executionEnvironments/ffffffffffffffffffffffff/").status == .notFound)
        }
    }

    @Test("a user-defined environment's latest version is what a job gets when it names only the environment")
    func userEnvironment() async throws {
        let server = TestServer()
        defer { server.removeData() }
        let tools = FileManager.default.temporaryDirectory.appendingPathComponent("cjr-tools-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tools, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tools) }
        try await server.run { _ in } // creates the store
        // `cjr environments add` writes through the store while the server may be running.
        let store = try RunStore(directory: server.dataDirectory)
        let (environment, first) = try await store.addEnvironmentVersion(.init(environmentName: "tools", pathPrepend: [tools.path]))
        let (_, second) = try await store.addEnvironmentVersion(.init(environmentName: "tools", label: "two", pathPrepend: [tools.path]))
        #expect(first.label == "v1")
        await #expect(throws: (any Error).self) {
            try await store.addEnvironmentVersion(.init(environmentName: "tools", pathPrepend: ["relative/dir"]))
        }
        try await server.run { api in
            let job = try JSON(try await api.postJSON("/customJobs/", "{\"name\": \"t\", \"environmentId\": \"\(environment.id)\"}"))
            #expect(job["environmentVersionId"].string == second.id)
            let pinned = try JSON(try await api.postJSON("/customJobs/", "{\"name\": \"p\", \"environmentVersionId\": \"\(first.id)\"}"))
            #expect(pinned["environmentId"].string == environment.id)
            let mismatch = try await api.postJSON("/customJobs/", """
                {"name": "m", "environmentId": "000000000000000000000001", "environmentVersionId": "\(first.id)"}
                """)
            #expect(mismatch.status == .unprocessableContent)
            let versions = try JSON(try await api.get("/executionEnvironments/\(environment.id)/versions/"))
            #expect(versions["data"].array.compactMap { $0["label"].string } == ["two", "v1"])
            let listed = try JSON(try await api.get("/executionEnvironments/\(environment.id)/"))
            #expect(listed["latestVersion"]["pathPrepend"][0].string == tools.path)
        }
    }
}
