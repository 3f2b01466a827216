import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import CJRStore

@Suite("Authentication and server metadata")
struct AuthenticationTests {
    @Test("requests without a token get a 401 with a JSON message under the exact content type")
    func missingToken() async throws {
        try await withServer { api in
            let response = try await api.client.executeRequest(uri: "/api/v2/version/", method: .get, headers: [:], body: nil)
            #expect(response.status == .unauthorized)
            #expect(response.headers[.contentType] == "application/json")
            #expect(try JSON(response)["message"].string?.contains("Authorization") == true)
        }
    }

    @Test("a wrong or malformed token is refused on every endpoint", arguments: [
        "Bearer cjr_wrong", "Token cjr_wrong", "Basic abc", "Bearer", "cjr_only",
    ])
    func wrongToken(header: String) async throws {
        try await withServer { api in
            for path in ["/version/", "/customJobs/", "/customJobLimits/", "/executionEnvironments/"] {
                let response = try await api.send(.get, path, authorization: header)
                #expect(response.status == .unauthorized, "\(path)")
                #expect(try JSON(response)["message"].string != nil)
            }
        }
    }

    @Test("both 'Bearer' and the official client's 'Token' scheme are accepted")
    func bothSchemes() async throws {
        try await withServer { api in
            for scheme in ["Bearer", "Token", "token"] {
                let response = try await api.send(.get, "/version/", authorization: "\(scheme) \(api.token)")
                #expect(response.status == .ok, "\(scheme)")
            }
        }
    }

    @Test("the version is 2.x with a versionString the official client parses")
    func version() async throws {
        try await withServer { api in
            let json = try JSON(try await api.get("/version/"))
            #expect(json["major"].int == 2)
            let versionString = try #require(json["versionString"].string)
            #expect(versionString.hasPrefix("2.\(json["minor"].int ?? -1)"))
        }
    }

    @Test("limits report the server's configured maxCustomJobRuns and maxCustomJobTimeout")
    func limits() async throws {
        try await withServer { api in
            let response = try await api.get("/customJobLimits/")
            #expect(response.status == .ok)
            let json = try JSON(response)
            #expect(json["maxCustomJobRuns"].int == 3)
            #expect(json["maxCustomJobTimeout"].int == 120)
        }
    }

    @Test("unknown paths answer 404 in JSON")
    func unknownPath() async throws {
        try await withServer { api in
            let response = try await api.get("/noSuchThing/")
            #expect(response.status == .notFound)
            #expect(response.headers[.contentType] == "application/json")
        }
    }

    @Test("a known path with a method it does not support answers 405 with Allow")
    func methodNotAllowed() async throws {
        try await withServer { api in
            let response = try await api.send(.put, "/customJobs/")
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.allow] == "GET, POST")
            #expect(try JSON(response)["message"].string?.contains("PUT") == true)
            #expect(try await api.send(.post, "/customJobs/ffffffffffffffffffffffff/runs/ffffffffffffffffffffffff/logs/").status == .methodNotAllowed)
        }
    }

    @Test("the token file is private to its owner")
    func tokenFileMode() async throws {
        let server = TestServer()
        defer { server.removeData() }
        try await server.run { _ in }
        let attributes = try FileManager.default.attributesOfItem(atPath: server.dataDirectory.tokenFile.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }
}
