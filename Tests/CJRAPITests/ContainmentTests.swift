import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import CJRTestSupport
import CJRAPI
import CJRModel
import CJRRunner
import CJRStore

/// A server for hostile jobs: its data directory outside /tmp (so only `--hide` keeps it
/// from the runs, not the private /tmp), runs' directories kept after they end (a
/// heartbeat in a run's HOME can be watched from here), a short timeout.
private func withHostileServer<Value: Sendable>(
    timeout: Int = 4, maxRuns: Int = 3, root: URL = URL(fileURLWithPath: "/var/lib/cjr-test-\(UUID().uuidString)"),
    _ body: @Sendable (APIClient, DataDirectory) async throws -> Value
) async throws -> Value {
    var configuration = APIConfiguration(host: "127.0.0.1", port: 0, dataDirectory: DataDirectory(root: root),
                                         maxRuns: maxRuns, maxTimeoutSeconds: timeout)
    configuration.runner.graceSeconds = 0.5
    configuration.runner.keepWorkspaces = true
    let server = TestServer(configuration: configuration)
    defer { server.removeData() }
    return try await server.run { api in try await body(api, server.dataDirectory) }
}

/// Lines of a job's own `$HOME/hb` heartbeat file, seen from the host.
private func heartbeats(_ data: DataDirectory, _ runId: String) -> Int {
    let text = (try? String(contentsOf: data.root.appendingPathComponent("runs/\(runId)/home/hb"), encoding: .utf8)) ?? ""
    return text.split(separator: "\n").count
}

/// After a run has ended: its heartbeat stops growing and no process of it is alive.
private func expectNothingSurvives(_ data: DataDirectory, _ runId: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let before = heartbeats(data, runId)
    try await Task.sleep(for: .milliseconds(1500))
    #expect(heartbeats(data, runId) == before, "the heartbeat goes on after the run ended", sourceLocation: sourceLocation)
    #expect(processesOfRun(runId).isEmpty, "processes of the run outlived it: \(processesOfRun(runId))", sourceLocation: sourceLocation)
}

@Suite("Containment: hostile jobs stay inside their run", .enabled(if: getuid() == 0 && SandboxTests.host.containment == .root))
struct ContainmentTests {
    @Test("escape from the timeout: leaving the cgroups and killing its parent neither ends the run early nor leaves a survivor")
    func escapeFromTheTree() async throws {
        try await withHostileServer(timeout: 3, maxRuns: 1) { api, data in
            // The attack as reported, its heartbeat in $HOME where the host can watch it.
            let (run, log) = try await api.runToEnd("""
                ( for f in /sys/fs/cgroup/{unified,memory,pids,cpu}/cgroup.procs; do echo $BASHPID >$f; done; while :; do date >>$HOME/hb; sleep 0.2; done ) & sleep .5; kill -9 $PPID; echo "kill parent: $?"; sleep 60
                """, timeout: 30)
            let runId = try #require(run["id"].string)
            #expect(run["status"].string == "failed")
            #expect(run["endReason"].string == "timeout", "the run lasted until its timeout, holding its slot: \(log)")
            #expect((run["duration"].double ?? 0) >= 3)
            #expect(log.contains("kill parent: 1"), "\(log)")
            for controller in ["unified", "memory", "pids", "cpu"] {
                #expect(log.contains("/sys/fs/cgroup/\(controller)/cgroup.procs: Read-only file system"), "\(log)")
            }
            #expect(heartbeats(data, runId) > 5, "the heartbeat ran while the run did")
            try await expectNothingSurvives(data, runId)
        }
    }

    @Test("a double-forked daemon whose parent is killed dies with the run when the entry point exits")
    func daemonDiesWithTheEntryPoint() async throws {
        try await withHostileServer { api, data in
            let (run, _) = try await api.runToEnd("""
                setsid bash -c '( trap "" TERM HUP; while :; do date >>$HOME/hb; sleep 0.2; done ) &' </dev/null >/dev/null 2>&1
                sleep 1
                """, timeout: 30)
            #expect(run["status"].string == "succeeded")
            try await expectNothingSurvives(data, try #require(run["id"].string))
        }
    }

    @Test("no root, no way out of the memory limit: a job runs as its own uid and cannot leave its cgroups",
          .enabled(if: RunCgroups.detect().limitedResources.contains("memory")))
    func identityAndLimits() async throws {
        try await withHostileServer(timeout: 30) { api, _ in
            let (run, log) = try await api.runSandboxed("""
                echo "uid $(id -u) gid $(id -g) groups $(id -G)"
                grep CapEff /proc/self/status
                for f in /sys/fs/cgroup/{unified,memory,pids,cpu}/cgroup.procs; do echo $$ >$f 2>/dev/null && echo "moved to $f"; done
                exec \(sandboxProbe) alloc 400
                """, bundle: "cpu.micro")
            let uid = try #require(run["sandbox"].array.compactMap(\.string).first { $0.hasPrefix("uid:") }?.dropFirst(4))
            #expect(Int(uid).map { $0 >= Int(RunnerConfiguration.defaultRunUIDBase) } == true)
            #expect(log.hasPrefix("uid \(uid) gid \(uid) groups \(uid)\nCapEff:\t0000000000000000\n"), "\(log)")
            #expect(!log.contains("moved to"), "\(log)")
            #expect(run["endReason"].string == "outOfMemory", "400 MiB under a 256 MiB limit: \(log)")
        }
    }

    @Test("cjr's data directory is out of sight: token, database, key, blobs, other runs; the server's process too")
    func dataDirectoryHidden() async throws {
        try await withHostileServer { api, data in
            // A credential, so that credentials.key exists.
            _ = try await api.postJSON("/credentials/", #"{"name": "db", "credentialType": "basic", "user": "u", "password": "p"}"#)
            let other = try await api.createScriptJob("echo other job\n")
            let (otherRun, _) = try await api.startRun(other)
            try await api.waitForRun(other, try #require(otherRun["id"].string))
            let root = data.root.path
            func mode(_ path: String) -> Int? {
                (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? Int
            }
            #expect(mode(root + "/credentials.key") == 0o600)
            #expect(mode(root + "/api-token") == 0o600)
            #expect(mode(root) == 0o700)
            let (run, log) = try await api.runToEnd("""
                for f in api-token cjr.sqlite credentials.key blobs staging runs/\(otherRun["id"].string ?? "")/job/run.sh; do
                    [ -e "\(root)/$f" ] && echo "visible $f" || echo "hidden $f"
                done
                ls -A "\(root)" | tr '\\n' ' '; echo
                { echo pwned > "\(root)/blobs/x"; } 2>/dev/null && echo "wrote a blob" || echo "cannot write"
                ls /proc | grep -cE '^[0-9]+$' | sed 's/^/processes visible: /'
                cat /proc/1/cmdline | tr '\\0' ' '; echo
                """)
            #expect(run["status"].string == "succeeded", "\(log)")
            for file in ["api-token", "cjr.sqlite", "credentials.key", "blobs", "staging", "runs/\(otherRun["id"].string ?? "")/job/run.sh"] {
                #expect(log.contains("hidden \(file)\n"), "\(file): \(log)")
            }
            #expect(log.contains("\nruns \ncannot write\n"), "only the way to its own directories is there: \(log)")
            #expect(log.contains("cjr-launch"), "PID 1 is the run's own init: \(log)")
        }
    }

    @Test("other runs are out of reach: their processes, environment and files; a kill aimed at them or the server misses")
    func otherRunsOutOfReach() async throws {
        try await withHostileServer(timeout: 60) { api, data in
            let marker = "cjr-victim-\(UUID().uuidString)"
            let victim = try await api.createScriptJob("""
                export VICTIM_SECRET=s3cret
                bash -c 'exec -a \(marker) sleep 8'
                echo victim done
                """)
            let (victimRun, _) = try await api.startRun(victim)
            let victimId = try #require(victimRun["id"].string)
            try await api.waitForRun(victim, victimId) { _ in !processesMarked(marker).isEmpty }
            let victimPid = try #require(processesMarked(marker).first)
            let victimDirectory = data.root.appendingPathComponent("runs/\(victimId)/job").path
            let (run, log) = try await api.runToEnd("""
                grep -l s3cret /proc/*/environ 2>/dev/null | sed 's/^/found secret in /'
                ls /proc/\(victimPid) >/dev/null 2>&1 && echo "victim visible" || echo "victim invisible"
                kill -9 \(victimPid) 2>/dev/null && echo "killed victim" || echo "kill victim missed"
                kill -9 \(getpid()) 2>/dev/null && echo "killed server" || echo "kill server missed"
                ls "\(victimDirectory)" >/dev/null 2>&1 && echo "victim files visible" || echo "victim files hidden"
                """)
            #expect(run["status"].string == "succeeded")
            #expect(!log.contains("found secret"), "\(log)")
            for line in ["victim invisible", "kill victim missed", "kill server missed", "victim files hidden"] {
                #expect(log.contains(line + "\n"), "\(line): \(log)")
            }
            let victimFinal = try await api.waitForRun(victim, victimId, timeout: 30)
            #expect(victimFinal["status"].string == "succeeded")
            #expect(try await api.logs(victim, victimId) == "victim done\n")
        }
    }

    @Test("an environment directory that holds the data directory is shown without it")
    func exposedDirectoryKeepsHidesBeneath() async throws {
        // /root is hidden from runs; the environment's directory beneath it is shown again,
        // but not the data directory inside that.
        let base = URL(fileURLWithPath: "/root/cjr-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }
        try "#!/bin/sh\necho tool ran\n".write(to: base.appendingPathComponent("tool"), atomically: true, encoding: .utf8)
        chmod(base.appendingPathComponent("tool").path, 0o755)
        try await withHostileServer(root: base.appendingPathComponent("data")) { api, data in
            let store = try RunStore(directory: data)
            let (environment, _) = try await store.addEnvironmentVersion(EnvironmentVersionSpec(environmentName: "around-data", pathPrepend: [base.path]))
            let job = try await api.createJob(files: [("run.sh", """
                tool
                ls -A \(base.path) | tr '\\n' ' '; echo
                [ -e \(data.root.path)/api-token ] && echo "token visible" || echo "token hidden"
                """)], extraFields: [("environmentId", environment.id)])
            let (run, log) = try await api.runToEnd(jobId: try #require(job["id"].string))
            #expect(run["status"].string == "succeeded", "\(log)")
            #expect(log == "tool ran\ndata tool \ntoken hidden\n", "\(log)")
        }
    }

    @Test("a stored file changed on disk fails the next run and is not served")
    func tamperedBlob() async throws {
        try await withHostileServer { api, data in
            let job = try await api.createJob(files: [("run.sh", "echo original\n")])
            let jobId = try #require(job["id"].string)
            let itemId = try #require(job["items"][0]["id"].string)
            let (first, firstLog) = try await api.runToEnd(jobId: jobId)
            #expect(first["status"].string == "succeeded" && firstLog == "original\n")
            // Rewrite the blob behind cjr's back, as the reported attack did.
            let store = BlobStore(directory: data)
            let hash = try #require(Self.onlyBlob(in: data))
            try "echo tampered\n".write(toFile: store.path(forHash: hash), atomically: false, encoding: .utf8)
            let (run, log) = try await api.runToEnd(jobId: jobId)
            #expect(run["status"].string == "failed")
            #expect(run["endReason"].string == "launchFailed")
            #expect(log.contains("[cjr] the run was not started: the stored file") && log.contains("tampering"), "\(log)")
            #expect(!log.contains("tampered\n"))
            let served = try await api.get("/customJobs/\(jobId)/items/\(itemId)/")
            #expect(served.status == .internalServerError)
            #expect(!String(buffer: served.body).contains("echo tampered"))
            // As the log says: uploading the file again mends the stored copy.
            var form = MultipartBody()
            form.file(path: "run.sh", content: Array("echo original\n".utf8))
            _ = try await api.sendForm(.patch, "/customJobs/\(jobId)/", form)
            let (mended, mendedLog) = try await api.runToEnd(jobId: jobId)
            #expect(mended["status"].string == "succeeded" && mendedLog == "original\n", "\(mended) \(mendedLog)")
        }
    }

    /// The one blob a fresh data directory holds.
    static func onlyBlob(in data: DataDirectory) -> String? {
        let shards = (try? FileManager.default.contentsOfDirectory(atPath: data.blobs.path)) ?? []
        return shards.flatMap { (try? FileManager.default.contentsOfDirectory(atPath: data.blobs.path + "/" + $0)) ?? [] }.first
    }
}
