import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import CJRTestSupport
import CJRAPI
import CJRModel
import CJRRunner

/// Processes whose environment names this run: what is left of it.
private func survivors(ofRun runId: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in
        guard let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
        return String(decoding: environ, as: UTF8.self).contains("CURRENT_CUSTOM_JOB_RUN_ID=\(runId)\0") && processIsAlive(pid)
    }
}

/// The run's cgroup directories still on disk (every hierarchy cjr uses).
private func leftoverCgroups(ofRun runId: String) -> [String] {
    ["unified", "memory", "pids", "cpu", ""].map { "/sys/fs/cgroup/\($0)/cjr/run-\(runId)".replacingOccurrences(of: "//", with: "/") }
        .filter { FileManager.default.fileExists(atPath: $0) }
}

@Suite("Resource bundles: listed, selected, enforced")
struct ResourceBundleTests {
    static let cgroups = try! SandboxHost.detect().cgroups

    @Test("GET /resourceBundles/ lists the built-ins with their limits and the default; unknown ids are 404 and 422")
    func listing() async throws {
        try await withServer { api in
            let list = try JSON(try await api.get("/resourceBundles/"))
            #expect(list["data"].array.compactMap { $0["id"].string } == ["cpu.micro", "cpu.small", "cpu.medium", "cpu.large"])
            let micro = try JSON(try await api.get("/resourceBundles/cpu.micro/"))
            #expect(micro["memoryBytes"].int == 256 << 20 && micro["maxProcesses"].int == 64 && micro["cpuCount"].double == 0.5)
            #expect(list["data"].array.filter { $0["isDefault"].bool == true }.compactMap { $0["id"].string } == ["cpu.medium"])
            #expect(try await api.get("/resourceBundles/gpu.huge/").status == .notFound)
            let unknown = try await api.postJSON("/customJobs/", #"{"name": "x", "resources": {"egressNetworkPolicy": "public", "resourceBundleId": "gpu.huge"}}"#)
            #expect(unknown.status == .unprocessableContent)
        }
    }

    @Test("bundles come from the server's configuration: its own ids are accepted, the built-ins no longer")
    func configured() async throws {
        var configuration = TestServer().configuration
        configuration.runner.resourceBundles = try ResourceBundles([
            ResourceBundle(id: "tiny", name: "Tiny", description: "for tests", memoryBytes: 128 << 20, cpuCount: 0.25,
                           maxProcesses: 32, maxLogBytes: 1 << 20),
        ], defaultID: "tiny")
        let server = TestServer(configuration: configuration)
        defer { server.removeData() }
        try await server.run { api in
            let list = try JSON(try await api.get("/resourceBundles/"))
            #expect(list["data"].array.compactMap { $0["id"].string } == ["tiny"])
            let builtIn = try await api.postJSON("/customJobs/", #"{"name": "x", "resources": {"egressNetworkPolicy": "public", "resourceBundleId": "cpu.small"}}"#)
            #expect(builtIn.status == .unprocessableContent)
            #expect(try JSON(builtIn)["message"].string == "resources.resourceBundleId: unknown resource bundle 'cpu.small'; known: tiny")
            let (run, _) = try await api.runSandboxed("true\n", bundle: nil)
            if Self.cgroups.limitedResources.contains("pids") {
                #expect(run["sandbox"].array.compactMap(\.string).contains("pids.max=32"), "the default bundle's limits apply")
            }
        }
    }

    @Test("a memory hog is killed at its bundle's limit: failed, outOfMemory, a last log line saying so",
          .enabled(if: cgroups.limitedResources.contains("memory")))
    func memoryHog() async throws {
        try await withServer { api in
            let (run, log) = try await api.runSandboxed("echo hogging\nexec \(sandboxProbe) alloc 1024\n", bundle: "cpu.micro")
            #expect(run["status"].string == "failed")
            #expect(run["endReason"].string == "outOfMemory")
            #expect(run["sandbox"].array.compactMap(\.string).contains("memory.max=\(256 << 20)"))
            #expect(log.hasPrefix("hogging\n"))
            #expect(log.hasSuffix("[cjr] out of memory: the kernel killed a process of the run for exceeding the memory limit of 256 MiB (resource bundle cpu.micro)\n"), "\(log)")
            let runId = try #require(run["id"].string)
            #expect(survivors(ofRun: runId).isEmpty)
            #expect(leftoverCgroups(ofRun: runId).isEmpty, "the run's cgroups are removed")
        }
    }

    @Test("a fork bomb is contained by the process limit and leaves no survivor",
          .enabled(if: cgroups.limitedResources.contains("pids")))
    func forkBomb() async throws {
        try await withServer { api in
            // The bomb may have collapsed by the time the probe runs (its members exit when a
            // fork fails, and the run's init reaps them at once), so the probe asks for more
            // than the limit allows on its own.
            let script = "bomb() { bomb | bomb & }\nbomb\nsleep 1\n\(sandboxProbe) forks 80 || exit 3\n"
            let (run, log) = try await api.runSandboxed(script, bundle: "cpu.micro")
            #expect(run["status"].string == "failed")
            #expect(run["endReason"].string == "processLimit", "\(log.suffix(400))")
            // 3: the probe ran and its forks failed at the limit. 254: the bomb still held every
            // process the limit allows, so bash could not fork the probe and gave up itself.
            // Either way a fork was refused at the limit.
            #expect([3, 254].contains(run["exitCode"].int ?? -1), "\(log.suffix(400))")
            #expect(log.hasSuffix("[cjr] process limit: the run tried to have more than 64 processes and threads at once (resource bundle cpu.micro); forks beyond it failed\n"), "\(log.suffix(400))")
            #expect(survivors(ofRun: try #require(run["id"].string)).isEmpty)
            #expect(leftoverCgroups(ofRun: try #require(run["id"].string)).isEmpty)
        }
    }

    @Test("a timeout stays the reason a run ended, even after it ran into a limit",
          .enabled(if: cgroups.limitedResources.contains("memory")))
    func timeoutWinsOverLimit() async throws {
        try await withServer(timeout: 6) { api in
            let (run, log) = try await api.runSandboxed("\(sandboxProbe) alloc 1024\necho \"after $?\"\nsleep 60\n", bundle: "cpu.micro")
            #expect(run["status"].string == "failed")
            #expect(run["endReason"].string == "timeout")
            #expect(log.contains("after 137\n"), "the hog was OOM-killed first: \(log)")
            #expect(log.contains("[cjr] timed out after 6 s"), "\(log)")
            #expect(log.hasSuffix("(resource bundle cpu.micro)\n") && log.contains("[cjr] out of memory:"), "the limit is noted too: \(log)")
        }
    }

    @Test("a run within its limits is not blamed for them")
    func withinLimits() async throws {
        try await withServer { api in
            let (run, log) = try await api.runSandboxed("\(sandboxProbe) alloc 64\n\(sandboxProbe) forks 8\n", bundle: "cpu.micro")
            #expect(run["status"].string == "succeeded")
            #expect(run["endReason"].string == "exited")
            #expect(log == "ok\nok\n")
        }
    }
}
