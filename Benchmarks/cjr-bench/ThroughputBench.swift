// `cjr-bench throughput`: many runs through a live server, submitted as fast as the client
// can, until the last has ended; against the same entry point run directly as many times,
// one after another (pool 1) or four at a time (pool 4, as `xargs -P 4` would). Once with
// a trivial entry point (`true`: what cjr adds per run) and once with one that sleeps
// 100 ms (how much of a real job's time that is).
import Foundation
import CJRAPI
import CJRStore
import NIOHTTP1

enum ThroughputBench {
    static func run(runs: Int) async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cjr-bench-throughput-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        print("| what | baseline runs/s | cjr runs/s | ratio (time per run, cjr / baseline) |")
        print("|---|---:|---:|---:|")
        for (label, script, count) in [("`true`", "true\n", runs), ("`sleep 0.1`", "sleep 0.1\n", max(40, runs / 5))] {
            let file = scratch.appendingPathComponent("run-\(count).sh")
            try script.write(to: file, atomically: true, encoding: .utf8)
            for pool in [1, 4] {
                let direct = try direct(script: file.path, runs: count, pool: pool)
                let cjr = try await throughServer(script: script, runs: count, pool: pool,
                                                  data: scratch.appendingPathComponent("data-\(count)-\(pool)"))
                print("| \(count) runs of \(label), pool \(pool) vs \(pool == 1 ? "a bash loop" : "4 bash loops at once") "
                      + "| \(format(Double(count) / direct, digits: 1)) | \(format(Double(count) / cjr, digits: 1)) | \(format(cjr / direct, digits: 2))× |")
            }
        }
    }

    /// Seconds to run `bash script` `runs` times, `pool` at a time.
    static func direct(script: String, runs: Int, pool: Int) throws -> Double {
        // One thread per lane (Dispatch would give only as many as there are cores).
        let start = ContinuousClock.now
        let done = DispatchGroup()
        for lane in 0..<pool {
            done.enter()
            Thread.detachNewThread {
                for _ in stride(from: lane, to: runs, by: pool) { _ = try? LaunchBench.timeSpawn(["/bin/bash", script]) }
                done.leave()
            }
        }
        done.wait()
        return elapsedSeconds(ContinuousClock.now - start)
    }

    /// Seconds from the first POST to the last run seen ended, on a fresh server.
    static func throughServer(script: String, runs: Int, pool: Int, data: URL) async throws -> Double {
        let configuration = APIConfiguration(port: 0, dataDirectory: DataDirectory(root: data), maxRuns: pool)
        return try await BenchServers.run([configuration]) { apis in
            let api = apis[0]
            let job = try await api.createJob(script: script)
            _ = try await api.runOnce(job) // warm up
            let start = ContinuousClock.now
            var ids: [String] = []
            for _ in 0..<runs {
                let created = try await api.request(.POST, "/customJobs/\(job)/runs/")
                guard let id = created["id"] as? String else { throw BenchError("no run id: \(created)") }
                ids.append(id)
            }
            // The last run submitted ends last, or nearly (a pool of four ends four at a
            // time): wait for it, then for any other still going, every 10 ms. Polling each
            // run every 2 ms was a load of its own on the same two cores (500 requests a
            // second, most of a core with their encoding), counted as cjr's.
            while try await !ended(api, job: job, runs: [ids[ids.count - 1]]) {
                try await Task.sleep(for: .milliseconds(10))
            }
            while try await !ended(api, job: job, runs: ids) {
                try await Task.sleep(for: .milliseconds(10))
            }
            return elapsedSeconds(ContinuousClock.now - start)
        }
    }

    /// Whether all of `runs` have ended (one request for one run, the job's runs a thousand
    /// at a time for more); a run that ended otherwise than succeeding fails the benchmark.
    private static func ended(_ api: API, job: String, runs: [String]) async throws -> Bool {
        var found: [[String: Any]] = []
        if runs.count == 1 {
            found = [try await api.request(.GET, "/customJobs/\(job)/runs/\(runs[0])/")]
        } else {
            while true {
                let page = try await api.request(.GET, "/customJobs/\(job)/runs/?limit=1000&offset=\(found.count)")["data"] as? [[String: Any]] ?? []
                found += page
                if page.count < 1000 { break }
            }
        }
        let statuses = Dictionary(found.compactMap { run in (run["id"] as? String).map { ($0, run["status"] as? String ?? "") } },
                                  uniquingKeysWith: { first, _ in first })
        for id in runs {
            guard let status = statuses[id], !["running", "canceling"].contains(status) else { return false }
            guard status == "succeeded" else { throw BenchError("run \(id) ended \(status)") }
        }
        return true
    }
}
