import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import CJRModel
import CJRTestSupport
@testable import CJRAPI
import CJRRunner
import CJRStore

/// A team on one server: roles on jobs through users, groups and organizations, enforced
/// on every endpoint; sharing as the reference has it; tokens and credentials per user.
@Suite("Sharing and access control")
struct SharingTests {
    /// One request of the matrix, and the weakest role that may make it.
    struct Cell: Sendable {
        var method: HTTPRequest.Method
        /// With `{job}`, `{run}`, `{item}`, `{runItem}`, `{status}`, `{schedule}` filled in.
        var path: String
        var json: String?
        var needs: JobRole
        /// The answer when allowed.
        var allowed: HTTPResponse.Status
        /// The route it exercises, as the router spells it (to prove every job route is here).
        var route: String
    }

    static let cells: [Cell] = [
        Cell(method: .get, path: "/customJobs/{job}/", needs: .observer, allowed: .ok, route: "GET /customJobs/{customJobId}/"),
        Cell(method: .patch, path: "/customJobs/{job}/", json: #"{"description": "edited"}"#, needs: .user, allowed: .created,
             route: "PATCH /customJobs/{customJobId}/"),
        Cell(method: .get, path: "/customJobs/{job}/items/{item}/", needs: .observer, allowed: .ok,
             route: "GET /customJobs/{customJobId}/items/{itemId}/"),
        Cell(method: .get, path: "/customJobs/{job}/runs/", needs: .observer, allowed: .ok, route: "GET /customJobs/{customJobId}/runs/"),
        Cell(method: .post, path: "/customJobs/{job}/runs/", needs: .user, allowed: .created, route: "POST /customJobs/{customJobId}/runs/"),
        Cell(method: .get, path: "/customJobs/{job}/runs/{run}/", needs: .observer, allowed: .ok,
             route: "GET /customJobs/{customJobId}/runs/{runId}/"),
        Cell(method: .patch, path: "/customJobs/{job}/runs/{run}/", json: #"{"description": "noted"}"#, needs: .user, allowed: .created,
             route: "PATCH /customJobs/{customJobId}/runs/{runId}/"),
        // The run has ended: an allowed cancel is refused for that reason (422), not for the role.
        Cell(method: .delete, path: "/customJobs/{job}/runs/{run}/", needs: .user, allowed: .unprocessableContent,
             route: "DELETE /customJobs/{customJobId}/runs/{runId}/"),
        Cell(method: .get, path: "/customJobs/{job}/runs/{run}/items/{runItem}/", needs: .observer, allowed: .ok,
             route: "GET /customJobs/{customJobId}/runs/{runId}/items/{itemId}/"),
        Cell(method: .get, path: "/customJobs/{job}/runs/{run}/logs/", needs: .observer, allowed: .ok,
             route: "GET /customJobs/{customJobId}/runs/{runId}/logs/"),
        // Each allowed user deletes the log of a run of their own (see `matrix`).
        Cell(method: .delete, path: "/customJobs/{job}/runs/{ownRun}/logs/", needs: .user, allowed: .noContent,
             route: "DELETE /customJobs/{customJobId}/runs/{runId}/logs/"),
        Cell(method: .get, path: "/status/{status}/", needs: .observer, allowed: .seeOther, route: "GET /status/{statusId}/"),
        Cell(method: .get, path: "/customJobs/{job}/schedules/", needs: .observer, allowed: .ok,
             route: "GET /customJobs/{customJobId}/schedules/"),
        Cell(method: .post, path: "/customJobs/{job}/schedules/",
             json: #"{"schedule": {"minute": [0], "hour": [3], "dayOfMonth": ["*"], "month": ["*"], "dayOfWeek": ["*"]}}"#,
             needs: .user, allowed: .created, route: "POST /customJobs/{customJobId}/schedules/"),
        Cell(method: .get, path: "/customJobs/{job}/schedules/{schedule}/", needs: .observer, allowed: .ok,
             route: "GET /customJobs/{customJobId}/schedules/{scheduleId}/"),
        Cell(method: .patch, path: "/customJobs/{job}/schedules/{schedule}/", json: #"{"timeZone": "UTC"}"#, needs: .user, allowed: .ok,
             route: "PATCH /customJobs/{customJobId}/schedules/{scheduleId}/"),
        // Each allowed user deletes a schedule of their own (made by the admin for the others).
        Cell(method: .delete, path: "/customJobs/{job}/schedules/{ownSchedule}/", needs: .user, allowed: .noContent,
             route: "DELETE /customJobs/{customJobId}/schedules/{scheduleId}/"),
        Cell(method: .get, path: "/customJobs/{job}/sharedRoles/", needs: .observer, allowed: .ok,
             route: "GET /customJobs/{customJobId}/sharedRoles/"),
        Cell(method: .patch, path: "/customJobs/{job}/sharedRoles/",
             json: #"{"operation": "updateRoles", "roles": [{"username": "bystander", "role": "OBSERVER", "shareRecipientType": "user"}]}"#,
             needs: .owner, allowed: .noContent, route: "PATCH /customJobs/{customJobId}/sharedRoles/"),
    ]

    /// Who is who: each reaches the job by another path (or none).
    static let people: [(name: String, role: JobRole?)] = [
        ("admin", .owner), ("direct-user", .user), ("group-user", .user), ("direct-observer", .observer),
        ("org-observer", .observer), ("stranger", nil),
    ]

    @Test("every job endpoint answers each role as the table says: via a user, a group or an organization; 404 to anyone else")
    func matrix() async throws {
        try await withServer { admin in
            var clients: [String: APIClient] = ["admin": admin]
            clients["direct-user"] = try admin.addUser("direct-user")
            // Observer directly, USER through the group: the strongest wins.
            clients["group-user"] = try admin.addUser("group-user", groups: ["analysts"])
            clients["direct-observer"] = try admin.addUser("direct-observer")
            clients["org-observer"] = try admin.addUser("org-observer", organization: "acme")
            clients["stranger"] = try admin.addUser("stranger", organization: "elsewhere")
            _ = try admin.addUser("bystander")

            let jobId = try await admin.createScriptJob("echo out\n")
            try await admin.share(jobId, with: "direct-user", as: "USER")
            try await admin.share(jobId, with: "group-user", as: "OBSERVER")
            try await admin.share(jobId, with: "analysts", as: "USER", type: "group")
            try await admin.share(jobId, with: "direct-observer", as: "OBSERVER")
            try await admin.share(jobId, with: "acme", as: "OBSERVER", type: "organization")

            let (run, log) = try await admin.runToEnd(jobId: jobId)
            #expect(log == "out\n")
            let job = try JSON(try await admin.get("/customJobs/\(jobId)/"))
            let schedule = try JSON(try await admin.postJSON("/customJobs/\(jobId)/schedules/", #"{"schedule": {"minute": [0], "hour": [3], "dayOfMonth": ["*"], "month": ["*"], "dayOfWeek": ["*"]}}"#))
            var fill = ["{job}": jobId, "{run}": run["id"].string ?? "", "{status}": run["jobStatusId"].string ?? "",
                        "{schedule}": schedule["id"].string ?? "",
                        "{item}": job["items"][0]["id"].string ?? "", "{runItem}": run["items"][0]["id"].string ?? ""]

            for cell in Self.cells {
                for person in Self.people {
                    let client = try #require(clients[person.name])
                    if cell.path.contains("{ownSchedule}") {
                        let owner = (person.role ?? .observer) >= .user ? client : admin
                        let made = try await owner.postJSON("/customJobs/\(jobId)/schedules/", Self.cells.first { $0.method == .post && $0.path.hasSuffix("/schedules/") }!.json!)
                        fill["{ownSchedule}"] = try JSON(made)["id"].string ?? ""
                    }
                    if cell.path.contains("{ownRun}") {
                        // A run of the job with a log, for this person's delete (the admin's when they may not start one).
                        let starter = (person.role ?? .observer) >= .user ? client : admin
                        fill["{ownRun}"] = try await starter.runToEnd(jobId: jobId).run["id"].string ?? ""
                    }
                    let path = fill.reduce(cell.path) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
                    let response = if let json = cell.json {
                        try await client.postJSON(path, json, method: cell.method)
                    } else {
                        try await client.send(cell.method, path)
                    }
                    let expected: HTTPResponse.Status = switch person.role {
                    case nil: .notFound
                    case let role? where role >= cell.needs: cell.allowed
                    case _?: .forbidden
                    }
                    #expect(response.status == expected,
                            "\(person.name) \(cell.method) \(cell.path): \(String(buffer: response.body))")
                    if expected == .notFound {
                        // Worded exactly as for an id that does not exist.
                        let missing = fill.reduce(cell.path) {
                            $0.replacingOccurrences(of: $1.key, with: $1.key == "{job}" || $1.key == "{status}" ? "ffffffffffffffffffffffff" : $1.value)
                        }
                        let control = try await client.send(.get, missing)
                        #expect(try JSON(response)["message"].string?.replacingOccurrences(of: jobId, with: "ID")
                                    .replacingOccurrences(of: fill["{status}"]!, with: "ID")
                                == (try JSON(control)["message"].string?.replacingOccurrences(of: "ffffffffffffffffffffffff", with: "ID")),
                                "\(cell.path)")
                    }
                }
            }

            // Lists: the job is counted only for those with a role.
            for person in Self.people {
                let list = try JSON(try await clients[person.name]!.get("/customJobs/"))
                #expect(list["totalCount"].int == (person.role == nil ? 0 : 1), "\(person.name)")
            }

            // Deleting, then cleaning up: owners only; the deleted job is listed for those with a role.
            for person in Self.people where person.role != .owner {
                let expected: HTTPResponse.Status = person.role == nil ? .notFound : .forbidden
                #expect(try await clients[person.name]!.delete("/customJobs/\(jobId)/").status == expected, "\(person.name)")
            }
            #expect(try await admin.delete("/customJobs/\(jobId)/").status == .noContent)
            for person in Self.people {
                let deleted = try JSON(try await clients[person.name]!.get("/deletedCustomJobs/"))
                #expect(deleted["totalCount"].int == (person.role == nil ? 0 : 1), "\(person.name)")
                #expect(try await clients[person.name]!.get("/customJobs/\(jobId)/").status == .notFound)
            }
            for person in Self.people where person.role != .owner {
                let expected: HTTPResponse.Status = person.role == nil ? .notFound : .forbidden
                let response = try await clients[person.name]!.send(.post, "/customJobsCleanup/\(jobId)/")
                #expect(response.status == expected, "\(person.name)")
            }
            #expect(try await admin.send(.post, "/customJobsCleanup/\(jobId)/").status == .noContent)
        }
    }

    /// A job with one ended run, an OBSERVER of it and a user with no role on it.
    func withReaderAndStranger(_ body: @Sendable (_ observer: APIClient, _ stranger: APIClient, _ jobId: String, _ runId: String) async throws -> Void) async throws {
        try await withServer { admin in
            let observer = try admin.addUser("observer")
            let stranger = try admin.addUser("stranger")
            let jobId = try await admin.createScriptJob("echo out\n")
            try await admin.share(jobId, with: "observer", as: "OBSERVER")
            try await body(observer, stranger, jobId, try await admin.runToEnd(jobId: jobId).run["id"].string ?? "")
        }
    }

    @Test("a malformed query on a job's resources is a 422 naming the field to who may read the job, and to anyone else the 404 any request of theirs gets",
          arguments: ["runs/?limit=0", "runs/{run}/logs/?follow=maybe", "sharedRoles/?shareRecipientType=robot", "sharedRoles/?offset=x"])
    func malformedQueries(query: String) async throws {
        try await withReaderAndStranger { observer, stranger, jobId, runId in
            let path = "/customJobs/\(jobId)/" + query.replacingOccurrences(of: "{run}", with: runId)
            let field = String(query.split(separator: "?")[1].split(separator: "=")[0])
            let refused = try await observer.send(.get, path)
            let message = try JSON(refused)["message"].string ?? ""
            #expect(refused.status == .unprocessableContent && message.contains(field), "\(path): \(message)")
            let hidden = try await stranger.send(.get, path)
            let missing = try await stranger.send(.get, path.replacingOccurrences(of: jobId, with: "ffffffffffffffffffffffff"))
            #expect(hidden.status == .notFound && missing.status == .notFound)
            let (hiddenMessage, missingMessage) = (try JSON(hidden)["message"].string, try JSON(missing)["message"].string)
            #expect(hiddenMessage?.replacingOccurrences(of: jobId, with: "ID") == missingMessage?.replacingOccurrences(of: "ffffffffffffffffffffffff", with: "ID"))
        }
    }

    @Test("a stranger asking for a run, file or log that does not exist, of a job that does, is answered as for a job that does not exist")
    func strangerAsksForMissingParts() async throws {
        try await withReaderAndStranger { observer, stranger, jobId, runId in
            let none = "ffffffffffffffffffffffff"
            for part in ["runs/\(none)/", "runs/\(none)/logs/", "runs/\(none)/items/\(none)/", "runs/\(runId)/items/\(none)/", "items/\(none)/"] {
                let asked = try await stranger.send(.get, "/customJobs/\(jobId)/\(part)")
                let control = try await stranger.send(.get, "/customJobs/\(none)/\(part)")
                let seen = try await observer.send(.get, "/customJobs/\(jobId)/\(part)")
                let (askedMessage, controlMessage) = (try JSON(asked)["message"].string, try JSON(control)["message"].string)
                #expect(asked.status == .notFound && askedMessage?.replacingOccurrences(of: jobId, with: "ID") == controlMessage?.replacingOccurrences(of: none, with: "ID"),
                        "\(part): \(askedMessage ?? "")")
                // To a reader it is the missing part that is not found, not the job.
                let seenMessage = try JSON(seen)["message"].string
                #expect(seen.status == .notFound && seenMessage != askedMessage, "\(part)")
            }
        }
    }

    @Test("a soft-deleted job's runs, files, logs, sharing list and statuses are not found, even to its owner")
    func deletedJobsParts() async throws {
        try await withServer { admin in
            let jobId = try await admin.createScriptJob("echo out\n")
            let job = try JSON(try await admin.get("/customJobs/\(jobId)/"))
            let run = try await admin.runToEnd(jobId: jobId).run
            let (runId, statusId) = (run["id"].string ?? "", run["jobStatusId"].string ?? "")
            let paths = ["runs/", "runs/\(runId)/", "runs/\(runId)/logs/", "runs/\(runId)/items/\(run["items"][0]["id"].string ?? "")/",
                         "items/\(job["items"][0]["id"].string ?? "")/", "sharedRoles/"].map { "/customJobs/\(jobId)/" + $0 } + ["/status/\(statusId)/"]
            for path in paths {
                let status = try await admin.send(.get, path).status
                #expect(status != .notFound, "before: \(path)")
            }
            let deleted = try await admin.send(.delete, "/customJobs/\(jobId)/").status
            #expect(deleted == .noContent)
            for path in paths {
                let status = try await admin.send(.get, path).status
                #expect(status == .notFound, "after: \(path)")
            }
        }
    }

    @Test("the matrix covers every route that reaches a job")
    func matrixCoversEveryJobRoute() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cjr-routes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let configuration = APIConfiguration(dataDirectory: DataDirectory(root: root))
        let store = try RunStore(directory: configuration.dataDirectory)
        let router = APIServer.makeRouter(store: store, scheduler: try RunScheduler(store: store, configuration: configuration.runner),
                                          configuration: configuration)
        let jobRoutes = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description.dropFirst(APIServer.pathPrefix.count))/" }
            .filter { $0.contains("{customJobId}") || $0.contains("{statusId}") })
        let covered = Set(Self.cells.map(\.route)).union([
            "DELETE /customJobs/{customJobId}/", "POST /customJobsCleanup/{customJobId}/", // the end of `matrix`
        ])
        #expect(jobRoutes.subtracting(covered).isEmpty, "not in the matrix: \(jobRoutes.subtracting(covered))")
    }

    @Test("sharedRoles lists the creator as OWNER with filters and paging; ownership can be handed over in one request")
    func ownershipTransfer() async throws {
        try await withServer { admin in
            let bob = try admin.addUser("bob", groups: ["team"])
            let jobId = try await admin.createScriptJob("true\n")
            let roles = try JSON(try await admin.get("/customJobs/\(jobId)/sharedRoles/?offset=0&limit=10"))
            #expect(roles["totalCount"].int == 1)
            #expect(roles["data"][0]["name"].string == "admin")
            #expect(roles["data"][0]["role"].string == "OWNER")
            #expect(roles["data"][0]["shareRecipientType"].string == "user")
            #expect(roles["data"][0].keys == ["id", "name", "role", "shareRecipientType"])
            let adminId = try #require(roles["data"][0]["id"].string)

            try await admin.share(jobId, with: "team", as: "OBSERVER", type: "group")
            let groups = try JSON(try await admin.get("/customJobs/\(jobId)/sharedRoles/?shareRecipientType=group"))
            #expect(groups["totalCount"].int == 1 && groups["data"][0]["name"].string == "team")
            #expect(try JSON(try await admin.get("/customJobs/\(jobId)/sharedRoles/?name=admin"))["data"][0]["id"].string == adminId)
            #expect(try JSON(try await admin.get("/customJobs/\(jobId)/sharedRoles/?id=\(adminId)"))["totalCount"].int == 1)
            let paged = try JSON(try await admin.get("/customJobs/\(jobId)/sharedRoles/?limit=1"))
            #expect(paged["count"].int == 1 && paged["totalCount"].int == 2 && paged["next"].string != nil)
            #expect(try await admin.get("/customJobs/\(jobId)/sharedRoles/?shareRecipientType=robot").status == .unprocessableContent)

            // Bob by id becomes OWNER, the admin leaves: both in one request.
            let bobId = try #require(try admin.localStore().users().first { $0.username == "bob" }?.id)
            let handOver = try await admin.postJSON("/customJobs/\(jobId)/sharedRoles/", """
                {"operation": "updateRoles", "roles": [
                  {"id": "\(bobId)", "role": "OWNER", "shareRecipientType": "user"},
                  {"username": "admin", "role": "NO_ROLE", "shareRecipientType": "user", "canShare": null}]}
                """, method: .patch)
            #expect(handOver.status == .noContent, "\(String(buffer: handOver.body))")
            #expect(try await admin.get("/customJobs/\(jobId)/").status == .notFound)
            #expect(try await bob.get("/customJobs/\(jobId)/").status == .ok)
            let after = try JSON(try await bob.get("/customJobs/\(jobId)/sharedRoles/?shareRecipientType=user"))
            #expect(after["data"].array.map { "\($0["name"].string ?? ""):\($0["role"].string ?? "")" } == ["bob:OWNER"])
            #expect(try await bob.delete("/customJobs/\(jobId)/").status == .noContent)
        }
    }

    @Test("a change that leaves no user OWNER is a 409 and changes nothing; bad requests are 422s naming the field")
    func invalidChanges() async throws {
        try await withServer { admin in
            _ = try admin.addUser("bob")
            let jobId = try await admin.createScriptJob("true\n")
            let path = "/customJobs/\(jobId)/sharedRoles/"
            func patch(_ roles: String, operation: String = "\"updateRoles\"") async throws -> (HTTPResponse.Status, String) {
                let response = try await admin.postJSON(path, "{\"operation\": \(operation), \"roles\": \(roles)}", method: .patch)
                return (response.status, (try? JSON(response)["message"].string) ?? "")
            }
            let orphaning = try await patch(#"[{"username": "bob", "role": "USER", "shareRecipientType": "user"}, {"username": "admin", "role": "USER", "shareRecipientType": "user"}]"#)
            #expect(orphaning.0 == .conflict && orphaning.1.contains("without an owner"), "\(orphaning)")
            #expect(try await patch(#"[{"username": "admin", "role": "NO_ROLE", "shareRecipientType": "user"}]"#).0 == .conflict)
            // Nothing of the refused requests stayed: bob has no role.
            #expect(try JSON(try await admin.get(path))["totalCount"].int == 1)

            let cases: [(String, String, String)] = [
                (#"[{"username": "bob", "id": "x", "role": "USER", "shareRecipientType": "user"}]"#, "\"updateRoles\"", "roles[0]: give either username or id"),
                (#"[{"username": "nobody", "role": "USER", "shareRecipientType": "user"}]"#, "\"updateRoles\"", "roles[0]: no user named 'nobody'"),
                (#"[{"id": "ffffffffffffffffffffffff", "role": "USER", "shareRecipientType": "group"}]"#, "\"updateRoles\"", "roles[0]: no group with id"),
                (#"[{"username": "bob", "role": "USER", "shareRecipientType": "robot"}]"#, "\"updateRoles\"", "roles[0].shareRecipientType"),
                (#"[{"username": "bob", "role": "EDITOR", "shareRecipientType": "user"}]"#, "\"updateRoles\"", "roles[0].role"),
                (#"[{"username": "bob", "role": "USER", "shareRecipientType": "user"}]"#, "\"shareAll\"", "operation"),
                (#"[]"#, "\"updateRoles\"", "roles: must hold 1 to 100"),
                ("[" + Array(repeating: #"{"username": "bob", "role": "USER", "shareRecipientType": "user"}"#, count: 101).joined(separator: ",") + "]",
                 "\"updateRoles\"", "roles: must hold 1 to 100"),
                (#"[{"username": "bob", "role": "USER", "shareRecipientType": "user"}, {"username": "bob", "role": "OBSERVER", "shareRecipientType": "user"}]"#,
                 "\"updateRoles\"", "roles[1]: names the same user as roles[0]"),
                // The first change is valid, the second is not: neither is applied.
                (#"[{"username": "bob", "role": "USER", "shareRecipientType": "user"}, {"username": "ghost", "role": "USER", "shareRecipientType": "user"}]"#,
                 "\"updateRoles\"", "roles[1]: no user named 'ghost'"),
                (#"[{"username": "bob", "role": "USER", "shareRecipientType": "user", "canShare": true}]"#, "\"updateRoles\"", "roles[0].canShare"),
            ]
            for (roles, operation, message) in cases {
                let (status, text) = try await patch(roles, operation: operation)
                #expect(status == .unprocessableContent, "\(roles.prefix(80)): \(text)")
                #expect(text.hasPrefix(message), "\(text)")
            }
            #expect(try JSON(try await admin.get(path))["totalCount"].int == 1)
            #expect(try await admin.postJSON(path, "[]", method: .patch).status == .unprocessableContent)
            #expect(try await admin.send(.patch, path).status == .unprocessableContent)
        }
    }

    @Test("revoked, expired and disabled users' tokens are refused at once; enabling lets the user in again")
    func tokenStates() async throws {
        try await withServer { admin in
            let store = try admin.localStore()
            let carol = try admin.addUser("carol")
            #expect(try await carol.get("/customJobs/").status == .ok)

            let (revocable, secret) = try store.createToken(for: "carol", name: "laptop", lifetime: nil)
            #expect(try await admin.with(token: secret).get("/customJobs/").status == .ok)
            _ = try store.revokeToken(id: revocable.id)
            #expect(try await admin.with(token: secret).get("/customJobs/").status == .unauthorized)
            #expect(try store.tokens(of: "carol").map(\.name) == ["test"])
            #expect(try store.tokens(of: "carol", includeRevoked: true).count == 2)

            let (_, shortLived) = try store.createToken(for: "carol", name: nil, lifetime: 1)
            #expect(try await admin.with(token: shortLived).get("/customJobs/").status == .ok)
            try await Task.sleep(for: .milliseconds(1_100))
            #expect(try await admin.with(token: shortLived).get("/customJobs/").status == .unauthorized)

            _ = try store.setUserDisabled("carol", true)
            #expect(try await carol.get("/customJobs/").status == .unauthorized)
            _ = try store.setUserDisabled("carol", false)
            #expect(try await carol.get("/customJobs/").status == .ok)

            #expect(throws: CJRError.self) { try store.addUser("carol", organization: nil, groups: []) }
            #expect(throws: CJRError.self) { try store.addUser("two words", organization: nil, groups: []) }
            #expect(throws: CJRError.self) { try store.createToken(for: "nobody", name: nil, lifetime: nil) }
        }
    }

    @Test("credentials are their creator's: others neither see nor use them, and a run uses only its starter's")
    func credentialsArePrivate() async throws {
        try await withServer { admin in
            let bob = try admin.addUser("bob")
            let created = try await bob.postJSON("/credentials/", #"{"name": "warehouse", "credentialType": "basic", "user": "b", "password": "secret"}"#)
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let credentialId = try #require(try JSON(created)["credentialId"].string)
            #expect(try await admin.get("/credentials/\(credentialId)/").status == .notFound)
            #expect(try await admin.delete("/credentials/\(credentialId)/").status == .notFound)
            #expect(try JSON(try await admin.get("/credentials/"))["totalCount"].int == 0)
            // Names are unique per user, not across users.
            #expect(try await admin.postJSON("/credentials/", #"{"name": "warehouse", "credentialType": "basic", "user": "a", "password": "p"}"#).status == .created)
            #expect(try await bob.postJSON("/credentials/", #"{"name": "warehouse", "credentialType": "basic", "user": "b", "password": "p"}"#).status == .conflict)

            let metadata = """
                name: creds
                runtimeParameterDefinitions:
                  - fieldName: DB
                    type: credential
                """
            let jobId = try await admin.createScriptJob("echo \"$DB_PASSWORD\"\n", extraFiles: [("metadata.yaml", metadata)])
            try await admin.share(jobId, with: "bob", as: "USER")
            let overrides = #"{"runtimeParameterValues": "[{\"fieldName\": \"DB\", \"type\": \"credential\", \"value\": \"\#(credentialId)\"}]"}"#
            // The admin cannot use bob's credential, on the job or on a run.
            let onJob = try await admin.postJSON("/customJobs/\(jobId)/", overrides, method: .patch)
            #expect(onJob.status == .unprocessableContent)
            #expect(try JSON(onJob)["message"].string?.contains("does not exist") == true)
            let onRun = try await admin.postJSON("/customJobs/\(jobId)/runs/", overrides)
            #expect(onRun.status == .unprocessableContent)
            // Bob can, on a run he starts; the job-level value he sets stays usable by him only.
            let bobRun = try await bob.postJSON("/customJobs/\(jobId)/runs/", overrides)
            #expect(bobRun.status == .created, "\(String(buffer: bobRun.body))")
            #expect(try await bob.postJSON("/customJobs/\(jobId)/", overrides, method: .patch).status == .created)
            #expect(try await admin.postJSON("/customJobs/\(jobId)/", #"{"description": "other fields stay editable"}"#, method: .patch).status == .created)
            #expect(try await admin.send(.post, "/customJobs/\(jobId)/runs/").status == .unprocessableContent)
            let runId = try #require(try JSON(bobRun)["id"].string)
            let final = try await bob.waitForRun(jobId, runId)
            #expect(final["status"].string == "succeeded")
            #expect(try await bob.logs(jobId, runId).contains("secret"))
        }
    }

    @Test("a run's token acts as the user who started it, reaches nothing else of others, and dies with the run")
    func runTokenActsAsStarter() async throws {
        try await withServer { admin in
            let bob = try admin.addUser("bob")
            let privateJob = try await admin.createScriptJob("true\n", name: "admin only")
            let bobsJob = try await bob.createScriptJob("echo \"token=$DATAROBOT_API_TOKEN\"; until [ -e go ]; do sleep 0.05; done\n")
            let (run, _) = try await bob.startRun(bobsJob)
            let runId = try #require(run["id"].string)
            var log = ""
            // Generous: on a loaded machine a contained run can take long to start.
            let deadline = Date().addingTimeInterval(90)
            while !log.contains("\n"), Date() < deadline {
                log = try await bob.logs(bobsJob, runId)
                try await Task.sleep(for: .milliseconds(50))
            }
            try #require(log.hasPrefix("token=") && log.contains("\n"), "the run printed no token: '\(log)'")
            let token = String(try #require(log.split(separator: "\n").first?.split(separator: "=").last))
            let runClient = admin.with(token: token)
            #expect(try await runClient.get("/customJobs/\(bobsJob)/").status == .ok)
            #expect(try await runClient.get("/customJobs/\(privateJob)/").status == .notFound)
            #expect(try JSON(try await runClient.get("/customJobs/"))["totalCount"].int == 1)
            try await bob.release(bobsJob, runId)
            try await bob.waitForRun(bobsJob, runId)
            let deadlineAfter = Date().addingTimeInterval(5)
            var status = HTTPResponse.Status.ok
            while status != .unauthorized, Date() < deadlineAfter {
                status = try await runClient.get("/customJobs/\(bobsJob)/").status
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(status == .unauthorized)
        }
    }

    @Test("a queued run's values are its starter's to change; a disabled user's queued run ends canceled instead of starting")
    func queuedRunsBelongToTheirStarter() async throws {
        try await withServer(maxRuns: 1) { admin in
            let bob = try admin.addUser("bob")
            let blockerJob = try await admin.createScriptJob("until [ -e go ]; do sleep 0.05; done\n", name: "blocker")
            let blocker = try #require(try await admin.startRun(blockerJob).run["id"].string)
            try await admin.waitForRun(blockerJob, blocker) { $0["startedAt"].string != nil }
            let metadata = """
                name: shared
                runtimeParameterDefinitions:
                  - fieldName: TARGET
                    type: string
                """
            let jobId = try await admin.createScriptJob("echo \"$TARGET\"\n", extraFiles: [("metadata.yaml", metadata)])
            try await admin.share(jobId, with: "bob", as: "USER")
            let runId = try #require(try await bob.startRun(jobId).run["id"].string)
            let values = #"{"runtimeParameterValues": [{"fieldName": "TARGET", "type": "string", "value": "elsewhere"}]}"#
            let byAdmin = try await admin.postJSON("/customJobs/\(jobId)/runs/\(runId)/", values, method: .patch)
            #expect(byAdmin.status == .forbidden, "\(String(buffer: byAdmin.body))")
            #expect(try await admin.postJSON("/customJobs/\(jobId)/runs/\(runId)/", #"{"description": "noted"}"#, method: .patch).status == .created)
            #expect(try await bob.postJSON("/customJobs/\(jobId)/runs/\(runId)/", values, method: .patch).status == .created)

            _ = try admin.localStore().setUserDisabled("bob", true)
            try await admin.release(blockerJob, blocker)
            let final = try await admin.waitForRun(jobId, runId)
            #expect(final["status"].string == "canceled")
            #expect(final["startedAt"].isNull)
            #expect(try await admin.logs(jobId, runId).contains("the user who started it has been disabled"))
        }
    }

    @Test("a followed log stops when the follower's token is revoked, while the run goes on")
    func followStopsOnRevoke() async throws {
        try await withServer { admin in
            let store = try admin.localStore()
            _ = try store.addUser("bob", organization: nil, groups: [])
            let (token, secret) = try store.createToken(for: "bob", name: nil, lifetime: nil)
            let bob = admin.with(token: secret)
            let jobId = try await bob.createScriptJob("echo started; until [ -e go ]; do sleep 0.05; done\n")
            let runId = try #require(try await bob.startRun(jobId).run["id"].string)
            // Following from the first line on, however long the run takes to print it.
            var printed = ""
            let firstLine = Date().addingTimeInterval(20)
            while printed.isEmpty, Date() < firstLine {
                printed = try await bob.logs(jobId, runId)
                try await Task.sleep(for: .milliseconds(50))
            }
            // A follower with a token of its own, revoked while it follows. A follower that
            // only got to ask after the revoke (a loaded machine) is a 401: try again, longer.
            var followed: TestResponse?
            var revoked = ""
            for attempt in 1...5 where followed == nil {
                let (followToken, followSecret) = try store.createToken(for: "bob", name: "follower \(attempt)", lifetime: nil)
                let follower = Task { try await admin.with(token: followSecret).get("/customJobs/\(jobId)/runs/\(runId)/logs/?follow=true") }
                try await Task.sleep(for: .milliseconds(500 * attempt))
                _ = try store.revokeToken(id: followToken.id)
                let response = try await follower.value
                revoked = followSecret
                if response.status != .unauthorized { followed = response }
            }
            let response = try #require(followed, "no follower got its request in before its token was revoked, in 5 tries")
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == "started\n")
            #expect(try await admin.with(token: revoked).get("/customJobs/").status == .unauthorized)
            _ = try store.revokeToken(id: token.id)
            let stillRunning = try await store.run(id: runId)
            #expect(stillRunning.status == .running)
            #expect(FileManager.default.createFile(atPath: bob.workingDirectory(ofRun: runId).appendingPathComponent("go").path, contents: nil))
            let deadline = Date().addingTimeInterval(20)
            while try await !store.run(id: runId).status.isFinal, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        }
    }
}
