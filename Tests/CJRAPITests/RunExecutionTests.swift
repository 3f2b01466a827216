import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import CJRTestSupport
import CJRAPI
import CJRRunner

@Suite("Runs execute real processes")
struct RunExecutionTests {
    @Test("a successful run records exit code 0, its timing and its output")
    func success() async throws {
        try await withServer { api in
            let (run, log) = try await api.runToEnd("echo out; echo err >&2; echo done\n")
            #expect(run["status"].string == "succeeded")
            #expect(run["exitCode"].int == 0)
            #expect(run["endReason"].string == "exited")
            #expect(run["signal"].isNull)
            #expect((run["duration"].double ?? 0) > 0)
            #expect(run["startedAt"].string != nil && run["endedAt"].string != nil)
            #expect(log == "out\nerr\ndone\n", "stdout and stderr interleave in order")
        }
    }

    @Test("a non-zero exit code fails the run and is recorded")
    func failure() async throws {
        try await withServer { api in
            let (run, log) = try await api.runToEnd("echo failing; exit 3\n")
            #expect(run["status"].string == "failed")
            #expect(run["exitCode"].int == 3)
            #expect(run["endReason"].string == "exited")
            #expect(log.hasPrefix("failing\n"))
        }
    }

    @Test("death by a signal fails the run with exit code 128+signal and the signal recorded")
    func signalDeath() async throws {
        try await withServer { api in
            let (run, log) = try await api.runToEnd("echo about to die; kill -KILL $$\n")
            #expect(run["status"].string == "failed")
            #expect(run["exitCode"].int == 137)
            #expect(run["signal"].int == 9)
            #expect(run["endReason"].string == "signaled")
            #expect(log.contains("killed by signal 9"))
        }
    }

    @Test("the timeout kills the whole tree, a SIGTERM-ignoring setsid grandchild included")
    func timeout() async throws {
        try await withServer(timeout: 2, grace: 0.5) { api in
            let script = """
                trap '' TERM
                setsid bash -c 'trap "" TERM; while true; do sleep 0.1; done' &
                echo started
                while true; do sleep 0.1; done
                """
            let started = Date()
            let (run, log) = try await api.runToEnd(script, timeout: 20)
            #expect(run["status"].string == "failed")
            #expect(run["endReason"].string == "timeout")
            #expect(Date().timeIntervalSince(started) < 10)
            #expect((run["duration"].double ?? 0) >= 2)
            let lastLine = log.split(separator: "\n").last.map(String.init) ?? ""
            #expect(lastLine.hasPrefix("[cjr] timed out after 2 s"), "\(log)")
            #expect(processesOfRun(try #require(run["id"].string)).isEmpty, "the setsid grandchild survived")
        }
    }

    @Test("the run's environment is built from nothing: the documented base, no server variables")
    func cleanEnvironment() async throws {
        // Every variable of this process (the server's) that a run must not get. (No setenv
        // here: it would race with other tests' process launches, which read the environment.)
        let expected: Set = ["PATH", "LANG", "PYTHONUNBUFFERED", "HOME", "TMPDIR", "CURRENT_CUSTOM_JOB_ID", "CURRENT_CUSTOM_JOB_RUN_ID",
                             "DATAROBOT_ENDPOINT", "DATAROBOT_API_TOKEN", "PWD", "SHLVL", "_"]
        let serverOnly = Set(ProcessInfo.processInfo.environment.keys).subtracting(expected)
        try #require(!serverOnly.isEmpty, "the test process has no variable of its own to check")
        try await withServer { api in
            let (run, log) = try await api.runToEnd("exec /usr/bin/env -0\n")
            let variables = Dictionary(uniqueKeysWithValues: log.split(separator: "\0").compactMap { entry -> (String, String)? in
                guard let equals = entry.firstIndex(of: "=") else { return nil }
                return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
            })
            #expect(serverOnly.intersection(variables.keys).isEmpty,
                    "leaked from the server: \(serverOnly.intersection(variables.keys))")
            #expect(variables["PATH"] == "/usr/local/bin:/usr/bin:/bin")
            #expect(variables["LANG"] == "C.UTF-8")
            #expect(variables["PYTHONUNBUFFERED"] == "1")
            #expect(variables["CURRENT_CUSTOM_JOB_ID"] == run["customJobId"].string)
            #expect(variables["CURRENT_CUSTOM_JOB_RUN_ID"] == run["id"].string)
            #expect(variables["HOME"]?.hasSuffix("/runs/\(run["id"].string ?? "")/home") == true)
            #expect(variables["TMPDIR"] == "/tmp", "a private /tmp of the run's own")
            // bash adds PWD, SHLVL and _ itself; nothing else may appear.
            #expect(variables["DATAROBOT_ENDPOINT"]?.hasPrefix("http://") == true)
            #expect(variables["DATAROBOT_ENDPOINT"]?.hasSuffix("/api/v2") == true)
            #expect(variables["DATAROBOT_API_TOKEN"]?.hasPrefix("cjr_") == true)
            #expect(variables["DATAROBOT_API_TOKEN"] != api.token, "each run gets its own token")
            #expect(Set(variables.keys).subtracting(expected).isEmpty, "unexpected: \(Set(variables.keys).subtracting(expected))")
        }
    }

    @Test("DATAROBOT_API_TOKEN works against the server while the run lasts and is revoked after it")
    func runToken() async throws {
        try await withServer { api in
            let (run, log) = try await api.runToEnd("""
                echo "$DATAROBOT_API_TOKEN"
                /usr/bin/curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Token $DATAROBOT_API_TOKEN" "$DATAROBOT_ENDPOINT/customJobs/$CURRENT_CUSTOM_JOB_ID/"
                """)
            #expect(run["status"].string == "succeeded")
            let lines = log.split(separator: "\n").map(String.init)
            #expect(lines.last == "200", "the run could read its own job")
            let token = lines.first ?? ""
            #expect(token.hasPrefix("cjr_"))
            var revoked = false
            for _ in 0..<50 where !revoked {
                revoked = try await api.send(.get, "/version/", authorization: "Token \(token)").status == .unauthorized
                if !revoked { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(revoked, "the run's token outlived the run")
        }
    }

    @Test("the working directory is a fresh copy of the snapshot; scripts with #! are executable")
    func workingDirectory() async throws {
        try await withServer { api in
            let jobId = try await api.createScriptJob("""
                pwd | grep -q '/job$' && echo "cwd ok"
                cat data/input.txt
                ./tools/helper.sh
                """, extraFiles: [("data/input.txt", "payload\n"), ("tools/helper.sh", "#!/bin/sh\necho helper ran\n")])
            let (run, _) = try await api.startRun(jobId)
            let runId = try #require(run["id"].string)
            let final = try await api.waitForRun(jobId, runId)
            #expect(final["status"].string == "succeeded")
            #expect(try await api.logs(jobId, runId) == "cwd ok\npayload\nhelper ran\n")
        }
    }

    @Test("a run is never silently uncontained or online with egress none: on a host that cannot enforce it the run fails and says why")
    func egressNoneIsNotFaked() async throws {
        // A host with no namespaces and no seccomp filter (cjr uses what it finds).
        var configuration = TestServer().configuration
        configuration.sandbox = SandboxHost(seccomp: false, networkNamespace: .unavailable, containment: .unavailable,
                                            containmentProblem: "the reason cjr-launch --probe gave",
                                            policies: nil, cgroups: RunCgroups(parent: nil))
        let weakHost = TestServer(configuration: configuration)
        defer { weakHost.removeData() }
        let offlineJob = #"{"name": "offline", "resources": {"egressNetworkPolicy": "none"}}"#
        try await weakHost.run { api in
            let jobId = try #require(try JSON(try await api.postJSON("/customJobs/", offlineJob))["id"].string)
            var form = MultipartBody()
            form.file(path: "run.sh", content: Array("echo should not run\n".utf8))
            #expect(try await api.sendForm(.patch, "/customJobs/\(jobId)/", form).status == .created)
            let (run, _) = try await api.startRun(jobId)
            let runId = try #require(run["id"].string)
            let final = try await api.waitForRun(jobId, runId)
            #expect(final["status"].string == "failed")
            #expect(final["endReason"].string == "launchFailed")
            let log = try await api.logs(jobId, runId)
            #expect(log.contains("this host cannot contain runs (the reason cjr-launch --probe gave; see `cjr doctor`)"), "\(log)")
            #expect(log.contains("--allow-unsandboxed") && !log.contains("should not run"), "\(log)")
        }
        configuration.runner.allowUnsandboxed = true
        let optedOut = TestServer(configuration: configuration)
        defer { optedOut.removeData() }
        try await optedOut.run { api in
            let jobId = try #require(try JSON(try await api.postJSON("/customJobs/", offlineJob))["id"].string)
            var form = MultipartBody()
            // Uncontained, TMPDIR is the run's own tmp/ (a contained run has a private /tmp).
            form.file(path: "run.sh", content: Array("echo scratch > \"$TMPDIR/scratch\" && echo ran anyway\n".utf8))
            _ = try await api.sendForm(.patch, "/customJobs/\(jobId)/", form)
            let (run, _) = try await api.startRun(jobId)
            let runId = try #require(run["id"].string)
            let final = try await api.waitForRun(jobId, runId)
            #expect(final["status"].string == "succeeded")
            let log = try await api.logs(jobId, runId)
            #expect(log.contains("[cjr] this host cannot contain runs") && log.contains("[cjr] egressNetworkPolicy is none"), "\(log)")
            #expect(final["sandbox"].array.compactMap(\.string) == ["containment:not-enforced", "egress-none:not-enforced", "limits:not-enforced"],
                    "the record says so")
        }
    }

    @Test("a job without an entry point cannot run: 422 naming it")
    func noEntryPoint() async throws {
        try await withServer { api in
            let job = try await api.createJob(files: [("job.py", "print(1)\n")])
            let response = try await api.send(.post, "/customJobs/\(job["id"].string ?? "")/runs/")
            #expect(response.status == .unprocessableContent)
            #expect(try JSON(response)["message"].string?.hasPrefix("entryPoint") == true)
        }
    }

    @Test("an entry point with a shebang runs with its own interpreter")
    func shebangEntryPoint() async throws {
        try await withServer { api in
            let job = try await api.createJob(files: [("main.sh.py", "#!/bin/sh\necho via sh\n")])
            let jobId = try #require(job["id"].string)
            let item = try #require(job["items"][0]["id"].string)
            #expect(try await api.postJSON("/customJobs/\(jobId)/", "{\"entryPoint\": \"\(item)\"}", method: .patch).status == .created)
            let (run, _) = try await api.startRun(jobId)
            let final = try await api.waitForRun(jobId, try #require(run["id"].string))
            #expect(final["status"].string == "succeeded")
        }
    }
}
