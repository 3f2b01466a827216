import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import CJRTestSupport
import CJRAPI
import CJRRunner

/// The example job of every parameter type, read from the repository.
private let exampleDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("examples/runtime-parameters")

private func exampleFiles(runScript: String? = nil) throws -> [(String, String)] {
    let metadata = try String(contentsOf: exampleDirectory.appendingPathComponent("metadata.yaml"), encoding: .utf8)
    let script = try runScript ?? String(contentsOf: exampleDirectory.appendingPathComponent("run.sh"), encoding: .utf8)
    return [("metadata.yaml", metadata), ("run.sh", script)]
}

/// A run.sh that dumps its environment, NUL-separated, for exact comparison.
private let dumpEnvironment = "exec /usr/bin/env -0\n"

private func environment(from log: String) -> [String: String] {
    Dictionary(uniqueKeysWithValues: log.split(separator: "\0").compactMap { entry -> (String, String)? in
        guard let equals = entry.firstIndex(of: "=") else { return nil }
        return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
    })
}

private func createCredential(_ api: APIClient, _ body: String) async throws -> String {
    let response = try await api.postJSON("/credentials/", body)
    guard response.status == .created, let id = try JSON(response)["credentialId"].string else {
        throw TestFailure("credential create failed: \(response.status) \(String(buffer: response.body))")
    }
    return id
}

@Suite("Runtime parameters, end to end")
struct RuntimeParameterTests {
    @Test("metadata.yaml declares the parameters; the job shows defaults, overrides and current values")
    func declaredAndViewed() async throws {
        try await withServer { api in
            let job = try await api.createJob(name: "params", files: try exampleFiles(), extraFields: [
                ("runtimeParameterValues", #"[{"fieldName": "THRESHOLD", "type": "numeric", "value": 42}]"#),
            ])
            let parameters = job["runtimeParameters"].array
            #expect(parameters.compactMap { $0["fieldName"].string } ==
                    ["GREETING", "THRESHOLD", "DRY_RUN", "STORAGE", "TARGET_DEPLOYMENT", "MODEL_PACKAGE", "LATENCY_METRIC"])
            let threshold = try #require(parameters.first { $0["fieldName"].string == "THRESHOLD" })
            #expect(threshold["defaultValue"].double == 10)
            #expect(threshold["overrideValue"].double == 42)
            #expect(threshold["currentValue"].double == 42)
            #expect(threshold["minValue"].double == 0 && threshold["maxValue"].double == 100)
            let storage = try #require(parameters.first { $0["fieldName"].string == "STORAGE" })
            #expect(storage["credentialType"].string == "basic")
            #expect(!storage["currentValue"].exists)
        }
    }

    @Test("the run's environment holds every parameter exactly as the platform encodes it")
    func exactEnvironment() async throws {
        try await withServer { api in
            let credential = try await createCredential(api, #"{"name": "db", "credentialType": "basic", "user": "alice", "password": "s3cr3t-pw"}"#)
            let jobId = try #require(try await api.createJob(name: "env", files: try exampleFiles(runScript: dumpEnvironment), extraFields: [
                ("runtimeParameterValues", """
                    [{"fieldName": "GREETING", "type": "string", "value": "job level"},
                     {"fieldName": "STORAGE", "type": "credential", "value": "\(credential)"}]
                    """),
            ])["id"].string)
            let (run, _) = try await api.startRun(jobId, body: """
                {"runtimeParameterValues": [{"fieldName": "GREETING", "type": "string", "value": "run level wins"},
                                            {"fieldName": "THRESHOLD", "type": "numeric", "value": 7.25},
                                            {"fieldName": "DRY_RUN", "type": "boolean", "value": false}]}
                """)
            let runId = try #require(run["id"].string)
            let final = try await api.waitForRun(jobId, runId)
            #expect(final["status"].string == "succeeded")
            let seen = environment(from: try await api.logs(jobId, runId))
            let parameters = seen.filter { !["PATH", "LANG", "PYTHONUNBUFFERED", "HOME", "TMPDIR", "PWD", "SHLVL", "_", "CURRENT_CUSTOM_JOB_ID",
                                              "CURRENT_CUSTOM_JOB_RUN_ID", "DATAROBOT_ENDPOINT", "DATAROBOT_API_TOKEN"].contains($0.key) }
            #expect(parameters == [
                "GREETING": "run level wins",
                "THRESHOLD": "7.25",
                "DRY_RUN": "False",
                "STORAGE_USER": "alice",
                "STORAGE_PASSWORD": "s3cr3t-pw",
                "TARGET_DEPLOYMENT": "6553f1000000000000000001",
                "MODEL_PACKAGE": "6553f1000000000000000002",
                "LATENCY_METRIC": "6553f1000000000000000003",
            ])
            // The run shows what it received; the job keeps its own values.
            let received = final["runtimeParameters"].array
            #expect(received.first { $0["fieldName"].string == "GREETING" }?["currentValue"].string == "run level wins")
            let job = try JSON(try await api.get("/customJobs/\(jobId)/"))
            #expect(job["runtimeParameters"].array.first { $0["fieldName"].string == "GREETING" }?["currentValue"].string == "job level")
        }
    }

    @Test("defaults become numbers with .0 and booleans True; null unsets a job-level value")
    func defaultsAndUnset() async throws {
        try await withServer { api in
            let jobId = try #require(try await api.createJob(name: "defaults", files: try exampleFiles(runScript: dumpEnvironment), extraFields: [
                ("runtimeParameterValues", #"[{"fieldName": "THRESHOLD", "type": "numeric", "value": 99}]"#),
            ])["id"].string)
            let unset = try await api.postJSON("/customJobs/\(jobId)/",
                #"{"runtimeParameterValues": "[{\"fieldName\": \"THRESHOLD\", \"type\": \"numeric\", \"value\": null}]"}"#, method: .patch)
            #expect(unset.status == .created)
            let (run, _) = try await api.startRun(jobId)
            let runId = try #require(run["id"].string)
            try await api.waitForRun(jobId, runId)
            let seen = environment(from: try await api.logs(jobId, runId))
            #expect(seen["THRESHOLD"] == "10.0")
            #expect(seen["DRY_RUN"] == "True")
            #expect(seen["GREETING"] == "Hello")
            #expect(seen["STORAGE_USER"] == nil, "no credential set, no variables")
        }
    }

    @Test("a hosted custom metric job gets DEPLOYMENT_ID, CUSTOM_METRIC_ID, MODEL_ID and DRY_RUN; other types do not")
    func hostedCustomMetricVariables() async throws {
        try await withServer { api in
            let metadata = """
                runtimeParameterDefinitions:
                  - fieldName: DEPLOYMENT_ID
                    type: deployment
                  - fieldName: CUSTOM_METRIC_ID
                    type: customMetric
                    defaultValue: 65f0c0ffee0000000000beef
                """
            let files = [("metadata.yaml", metadata), ("run.sh", dumpEnvironment)]
            let metricJob = try #require(try await api.createJob(name: "metric", files: files, extraFields: [
                ("jobType", "hostedCustomMetric"),
                ("runtimeParameterValues", #"[{"fieldName": "DEPLOYMENT_ID", "type": "deployment", "value": "65f0d00d0000000000000001"}]"#),
            ])["id"].string)
            let (run, _) = try await api.startRun(metricJob)
            let runId = try #require(run["id"].string)
            try await api.waitForRun(metricJob, runId)
            let log = try await api.logs(metricJob, runId)
            let note = "[cjr] this hostedCustomMetric job gets MODEL_ID empty: "
            #expect(log.hasPrefix(note), "the log says which IDs nothing supplied")
            let seen = environment(from: String(log.drop { $0 != "\n" }.dropFirst()))
            #expect(seen["DEPLOYMENT_ID"] == "65f0d00d0000000000000001")
            #expect(seen["CUSTOM_METRIC_ID"] == "65f0c0ffee0000000000beef")
            #expect(seen["MODEL_ID"] == "")
            #expect(seen["DRY_RUN"] == "1")

            let plainJob = try #require(try await api.createJob(name: "plain", files: [("run.sh", dumpEnvironment)])["id"].string)
            let (plainRun, _) = try await api.startRun(plainJob)
            let plainRunId = try #require(plainRun["id"].string)
            try await api.waitForRun(plainJob, plainRunId)
            let plain = environment(from: try await api.logs(plainJob, plainRunId))
            #expect(["DEPLOYMENT_ID", "CUSTOM_METRIC_ID", "MODEL_ID", "DRY_RUN"].allSatisfy { plain[$0] == nil })
        }
    }

    @Test("the DRUM convention is there when the server opts in")
    func drumConvention() async throws {
        let server = TestServer()
        var configuration = server.configuration
        configuration.runner.drumVariables = true
        let drumServer = TestServer(configuration: configuration)
        defer { drumServer.removeData() }
        try await drumServer.run { api in
            let jobId = try #require(try await api.createJob(name: "drum", files: try exampleFiles(runScript: dumpEnvironment))["id"].string)
            let (run, _) = try await api.startRun(jobId)
            let runId = try #require(run["id"].string)
            try await api.waitForRun(jobId, runId)
            let seen = environment(from: try await api.logs(jobId, runId))
            #expect(seen["MLOPS_RUNTIME_PARAM_THRESHOLD"] == #"{"payload":10,"type":"numeric"}"#)
            #expect(seen["MLOPS_RUNTIME_PARAM_GREETING"] == #"{"payload":"Hello","type":"string"}"#)
            #expect(seen["THRESHOLD"] == "10.0", "the raw convention stays")
        }
    }

    static let invalidValueCases: [(String, String)] = [
        (#"[{"fieldName": "NOPE", "type": "string", "value": "x"}]"#, "unknown fieldName 'NOPE'"),
        (#"[{"fieldName": "THRESHOLD", "type": "string", "value": "x"}]"#, "is declared numeric, not string"),
        (#"[{"fieldName": "THRESHOLD", "type": "numeric", "value": "10"}]"#, "is numeric"),
        (#"[{"fieldName": "THRESHOLD", "type": "numeric", "value": 101}]"#, "above its maxValue"),
        (#"[{"fieldName": "THRESHOLD", "type": "numeric", "value": -1}]"#, "below its minValue"),
        ("[{\"fieldName\": \"GREETING\", \"type\": \"string\", \"value\": \"\(String(repeating: "x", count: 4097))\"}]", "longer than 4096"),
        (#"[{"fieldName": "STORAGE", "type": "credential", "value": "ffffffffffffffffffffffff"}]"#, "does not exist"),
        (#"[{"fieldName": "DRY_RUN", "type": "boolean"}]"#, "value: is required"),
    ]

    @Test("invalid values are refused with 422 on the job and on the run", arguments: invalidValueCases)
    func invalidValues(values: String, expected: String) async throws {
        try await withServer { api in
            let jobId = try #require(try await api.createJob(name: "v", files: try exampleFiles())["id"].string)
            let escaped = values.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            let onJob = try await api.postJSON("/customJobs/\(jobId)/", "{\"runtimeParameterValues\": \"\(escaped)\"}", method: .patch)
            #expect(onJob.status == .unprocessableContent)
            let jobMessage = try JSON(onJob)["message"].string ?? ""
            #expect(jobMessage.contains(expected), "\(jobMessage)")
            let onRun = try await api.postJSON("/customJobs/\(jobId)/runs/", "{\"runtimeParameterValues\": \(values)}")
            #expect(onRun.status == .unprocessableContent)
            #expect(try JSON(onRun)["message"].string?.contains(expected) == true)
            #expect(try JSON(try await api.get("/customJobs/\(jobId)/runs/"))["totalCount"].int == 0)
        }
    }

    @Test("a required parameter without a value cannot run, and a wrong credential type is refused")
    func requiredAndCredentialType() async throws {
        try await withServer { api in
            let metadata = """
                runtimeParameterDefinitions:
                  - fieldName: API_KEY
                    type: credential
                    credentialType: apiToken
                    allowEmpty: false
                """
            let jobId = try #require(try await api.createJob(name: "req", files: [("metadata.yaml", metadata), ("run.sh", "true\n")])["id"].string)
            let refused = try await api.send(.post, "/customJobs/\(jobId)/runs/")
            #expect(refused.status == .unprocessableContent)
            #expect(try JSON(refused)["message"].string?.contains("allowEmpty: false") == true)
            let basic = try await createCredential(api, #"{"name": "b", "credentialType": "basic", "user": "u", "password": "p"}"#)
            let wrongType = try await api.postJSON("/customJobs/\(jobId)/runs/",
                "{\"runtimeParameterValues\": [{\"fieldName\": \"API_KEY\", \"type\": \"credential\", \"value\": \"\(basic)\"}]}")
            #expect(wrongType.status == .unprocessableContent)
            #expect(try JSON(wrongType)["message"].string?.contains("needs a apiToken credential") == true)
            let token = try await createCredential(api, #"{"name": "t", "credentialType": "apiToken", "apiToken": "tok"}"#)
            let (run, _) = try await api.startRun(jobId, body:
                "{\"runtimeParameterValues\": [{\"fieldName\": \"API_KEY\", \"type\": \"credential\", \"value\": \"\(token)\"}]}")
            #expect(try await api.waitForRun(jobId, try #require(run["id"].string))["status"].string == "succeeded")
        }
    }

    @Test("an invalid metadata.yaml is refused with its line, and the job keeps its previous files")
    func invalidMetadataKeepsFiles() async throws {
        try await withServer { api in
            let job = try await api.createJob(name: "keep", files: try exampleFiles())
            let jobId = try #require(job["id"].string)
            var form = MultipartBody()
            form.file(path: "metadata.yaml", content: Array("runtimeParameterDefinitions:\n  - fieldName: X\n    type: text\n".utf8))
            form.file(path: "new.txt", content: Array("new\n".utf8))
            let response = try await api.sendForm(.patch, "/customJobs/\(jobId)/", form)
            #expect(response.status == .unprocessableContent)
            #expect(try JSON(response)["message"].string?.hasPrefix("metadata.yaml line 3: runtimeParameterDefinitions[0].type") == true)
            let after = try JSON(try await api.get("/customJobs/\(jobId)/"))
            #expect(after["items"].array.count == 2)
            #expect(after["runtimeParameters"].array.count == 7)
            // Removing metadata.yaml removes the definitions (and values that no longer fit).
            let metadataItem = try #require(job["items"].array.first { $0["filePath"].string == "metadata.yaml" }?["id"].string)
            let removed = try await api.postJSON("/customJobs/\(jobId)/", "{\"filesToDelete\": [\"\(metadataItem)\"]}", method: .patch)
            #expect(try JSON(removed)["runtimeParameters"].array.isEmpty)
        }
    }

    @Test("values that no longer fit a changed metadata.yaml are dropped; the others stay")
    func valuesFollowDefinitions() async throws {
        try await withServer { api in
            let jobId = try #require(try await api.createJob(name: "change", files: try exampleFiles(), extraFields: [
                ("runtimeParameterValues", #"[{"fieldName": "THRESHOLD", "type": "numeric", "value": 42}, {"fieldName": "GREETING", "type": "string", "value": "hi"}]"#),
            ])["id"].string)
            var form = MultipartBody()
            form.file(path: "metadata.yaml", content: Array("""
                runtimeParameterDefinitions:
                  - {fieldName: THRESHOLD, type: numeric, defaultValue: 1, maxValue: 10}
                  - {fieldName: GREETING, type: string}
                """.utf8))
            let updated = try JSON(try await api.sendForm(.patch, "/customJobs/\(jobId)/", form))
            let parameters = updated["runtimeParameters"].array
            #expect(parameters.count == 2)
            let threshold = try #require(parameters.first { $0["fieldName"].string == "THRESHOLD" })
            #expect(!threshold["overrideValue"].exists, "42 is above the new maxValue")
            #expect(threshold["currentValue"].double == 1)
            #expect(parameters.first { $0["fieldName"].string == "GREETING" }?["overrideValue"].string == "hi")
        }
    }

    @Test("credentials: secrets go in, never come out through the API")
    func credentialSecretsStayInside() async throws {
        try await withServer { api in
            let secret = "AKIA-very-secret-\(UUID().uuidString)"
            let created = try await api.postJSON("/credentials/", """
                {"name": "aws", "credentialType": "s3", "awsAccessKeyId": "AKIA123", "awsSecretAccessKey": "\(secret)"}
                """)
            #expect(created.status == .created)
            let id = try #require(try JSON(created)["credentialId"].string)
            let jobId = try #require(try await api.createJob(name: "c", files: [
                ("metadata.yaml", "runtimeParameterDefinitions:\n  - fieldName: MAIN_AWS_CREDENTIAL\n    type: credential\n    credentialType: s3\n"),
                ("run.sh", "echo \"key=$MAIN_AWS_CREDENTIAL_AWS_ACCESS_KEY_ID\"; test -n \"$MAIN_AWS_CREDENTIAL_AWS_SECRET_ACCESS_KEY\" && echo secret-present\n"),
            ], extraFields: [("runtimeParameterValues", "[{\"fieldName\": \"MAIN_AWS_CREDENTIAL\", \"type\": \"credential\", \"value\": \"\(id)\"}]")])["id"].string)
            let (run, _) = try await api.startRun(jobId)
            let runId = try #require(run["id"].string)
            try await api.waitForRun(jobId, runId)
            #expect(try await api.logs(jobId, runId) == "key=AKIA123\nsecret-present\n")
            var bodies = [String(buffer: created.body)]
            for path in ["/credentials/", "/credentials/\(id)/", "/customJobs/\(jobId)/", "/customJobs/\(jobId)/runs/\(runId)/", "/customJobs/\(jobId)/runs/"] {
                let response = try await api.get(path)
                #expect(response.status == .ok, "\(path)")
                bodies.append(String(buffer: response.body))
            }
            #expect(!bodies.contains { $0.contains(secret) })
            #expect(try JSON(try await api.get("/credentials/\(id)/"))["fields"].array.compactMap(\.string) == ["awsAccessKeyId", "awsSecretAccessKey"])
            let missingField = try await api.postJSON("/credentials/", #"{"name": "x", "credentialType": "s3", "awsAccessKeyId": "a"}"#)
            #expect(missingField.status == .unprocessableContent)
            #expect(try JSON(missingField)["message"].string?.hasPrefix("awsSecretAccessKey") == true)
            let duplicate = try await api.postJSON("/credentials/", #"{"name": "aws", "credentialType": "apiToken", "apiToken": "t"}"#)
            #expect(duplicate.status == .conflict)
            #expect(try await api.delete("/credentials/\(id)/").status == .noContent)
            #expect(try await api.get("/credentials/\(id)/").status == .notFound)
        }
    }
}
