// `cjr-bench launch`: what cjr adds to running an entry point, measured against running
// the same entry point directly with bash, in the same process and the same minutes.
//
// Ways to run `run.sh` (which is `true`), N times each; the direct ones interleaved, so
// every variant sees the same load:
//   bash      posix_spawn `/bin/bash run.sh` and wait: the baseline
//   launcher  the same through `cjr-launch` (new session, subreaper), then with the seccomp
//             filter (both policies, as an egress-none run gets them), then with the
//             filter and a network namespace too; then contained (--contain: PID, mount,
//             IPC namespaces, the filesystem view, as root its own uid), alone and with
//             the filter and the network namespace (an egress-none run's full launch)
//   api       the whole path: POST /runs/ to a live server on loopback, then poll the run
//             until it has ended; measured by the client (POST → end seen) and by the
//             server (created → ended, as recorded in the store); and, interleaved, three
//             servers with less sandbox (no containment; no resource-limit cgroups
//             either; no filter either)
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import CJRAPI
import CJRRunner
import CJRStore

enum LaunchBench {
    static func run(runs: Int) async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cjr-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        // Laid out as a run's directories are: job/ (with run.sh) and home/ under runs/.
        let data = scratch.appendingPathComponent("data")
        let job = data.appendingPathComponent("runs/bench/job"), home = data.appendingPathComponent("runs/bench/home")
        for directory in [job, home] { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        let script = job.appendingPathComponent("run.sh")
        try "true\n".write(to: script, atomically: true, encoding: .utf8)
        let launcher = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("cjr-launch").path

        let policies = SandboxPolicies.locate()
        let filter = policies.map { ["--seccomp", $0.defaultProfile, "--seccomp", $0.egressNone] } ?? []
        let contain = ["--contain", "--bind", job.path, "--bind", home.path, "--hide", data.path, "--hide", launcher,
                       "--tmp-size", String(256 << 20)]
        let variants: [(String, [String])] = [
            ("bash run.sh (baseline)", ["/bin/bash", script.path]),
            ("cjr-launch -- bash run.sh", [launcher, "--", "/bin/bash", script.path]),
            ("cjr-launch + seccomp filter (both policies)", [launcher] + filter + ["--", "/bin/bash", script.path]),
            ("cjr-launch + filter + network namespace", [launcher] + filter + ["--netns", "--", "/bin/bash", script.path]),
            ("cjr-launch + containment", [launcher] + contain + ["--", "/bin/bash", script.path]),
            ("cjr-launch + containment + filter + network namespace", [launcher] + contain + filter + ["--netns", "--", "/bin/bash", script.path]),
        ]
        var samples = Array(repeating: [Double](), count: variants.count)
        for _ in 0..<runs {
            for (index, variant) in variants.enumerated() { samples[index].append(try timeSpawn(variant.1)) }
        }
        // The server as shipped, then without containment, then without the resource limits'
        // cgroups too, then without the filter too: what each part of the sandbox costs a run.
        let host = try SandboxHost.detect()
        let uncontained = SandboxHost(seccomp: host.seccomp, networkNamespace: host.networkNamespace, policies: host.policies,
                                      cgroups: host.cgroups)
        let noLimits = SandboxHost(seccomp: host.seccomp, networkNamespace: host.networkNamespace, policies: host.policies,
                                   cgroups: RunCgroups(parent: host.cgroups.parent))
        let bare = SandboxHost(seccomp: false, networkNamespace: host.networkNamespace, policies: nil,
                               cgroups: RunCgroups(parent: host.cgroups.parent))
        let api = try await measureAPI(runs: runs, data: scratch.appendingPathComponent("servers"),
                                       sandboxes: [host, uncontained, noLimits, bare])

        let base = median(samples[0])
        let rows: [(String, [Double])] = zip(variants.map(\.0), samples).map { ($0, $1) } + [
            ("API: POST → end seen by client", api[0].client),
            ("API: created → ended, server-side", api[0].server),
            ("… server-side, without containment", api[1].server),
            ("… server-side, without containment and the resource limits", api[2].server),
            ("… server-side, without containment, limits and filter", api[3].server),
        ]
        print("runs per row: \(runs); machine: \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("| path | median ms | p90 ms | ratio to baseline (median) |")
        print("|---|---:|---:|---:|")
        for (name, samples) in rows { print(tableRow(name, samples, base: base)) }
    }

    /// Spawns `command`, waits for it, returns the seconds taken.
    static func timeSpawn(_ command: [String]) throws -> Double {
        let start = ContinuousClock.now
        var pid: pid_t = 0
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { text in text.withCString { strdup($0) } } + [nil]
        defer { argv.forEach { free($0) } }
        let environment: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/bin:/bin"), nil]
        defer { environment.forEach { free($0) } }
        guard posix_spawn(&pid, command[0], &actions, nil, argv, environment) == 0 else {
            throw BenchError("cannot spawn \(command[0])")
        }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return elapsedSeconds(ContinuousClock.now - start)
    }

    /// Runs the job on each server in turn, `runs` times: (client, server) seconds per server.
    static func measureAPI(runs: Int, data: URL, sandboxes: [SandboxHost]) async throws -> [(client: [Double], server: [Double])] {
        var logger = Logger(label: "cjr-bench")
        logger.logLevel = .error
        var apps: [any Service] = []
        var configurations: [APIConfiguration] = []
        let (portStream, portContinuation) = AsyncStream<(Int, Int)>.makeStream()
        for (index, sandbox) in sandboxes.enumerated() {
            var configuration = APIConfiguration(port: 0, dataDirectory: DataDirectory(root: data.appendingPathComponent("\(index)")), maxRuns: 2)
            configuration.sandbox = sandbox
            configuration.runner.allowUnsandboxed = sandbox.containment == .unavailable
            configurations.append(configuration)
            apps.append(try await APIServer.makeApplication(configuration: configuration, logger: logger) { port in
                portContinuation.yield((index, port))
            })
        }
        let group = ServiceGroup(configuration: .init(services: apps, logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var ports = [Int: Int]()
            for await (index, port) in portStream {
                ports[index] = port
                if ports.count == sandboxes.count { break }
            }
            var apis: [(API, String)] = []
            for (index, configuration) in configurations.enumerated() {
                let token = try String(contentsOf: configuration.dataDirectory.tokenFile, encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let api = API(base: "http://127.0.0.1:\(ports[index]!)/api/v2", token: token)
                let job = try await api.createJob()
                _ = try await api.runOnce(job) // warm up
                apis.append((api, job))
            }
            var results = Array(repeating: (client: [Double](), server: [Double]()), count: apis.count)
            for round in 0..<runs {
                // Each server goes first equally often: on a hybrid host the first run after
                // a pause waits for an RCU grace period to enter its v1 cgroups, and the
                // runs right after it do not (see BENCHMARKS.md).
                for offset in 0..<apis.count {
                    let index = (round + offset) % apis.count
                    let (api, job) = apis[index]
                    let start = ContinuousClock.now
                    let run = try await api.runOnce(job)
                    results[index].client.append(elapsedSeconds(ContinuousClock.now - start))
                    results[index].server.append(run.serverSeconds)
                }
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return results
        }
    }

}

