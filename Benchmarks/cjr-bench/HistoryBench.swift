// `cjr-bench history`: every read route of the API on a store with a long history (by
// default 100,000 runs over 10,000 jobs, 90% of the runs in one job), each against
// `GET /version/` timed in the same loop, and against the same route on a small store
// (1,000 runs, 100 jobs: every page the rows below ask for is as full there as on the big
// store, so the two compare the same work). A flat API answers both in about the same
// time. Middle pages are read 20 rows at a time, the small store's too. Then a trivial run
// end to end on each store: history must not make runs slower.
import Foundation
import GRDB
import CJRAPI
import CJRModel
import CJRStore
import NIOHTTP1

enum HistoryBench {
    struct Store {
        var data: DataDirectory
        var hotJob: String
        var runId: String
        var statusId: String
        /// The 51st run made: the page before it is the oldest.
        var oldestRunId: String
        var runs: Int
        var jobs: Int
    }

    static func run(requests: Int, runs: Int, jobs: Int) async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cjr-bench-history-\(UUID().uuidString)")
        // CJR_BENCH_KEEP=1 keeps the stores (for EXPLAIN QUERY PLAN and the like).
        let keep = ProcessInfo.processInfo.environment["CJR_BENCH_KEEP"] != nil
        defer { if keep { print("stores kept in \(scratch.path)") } else { try? FileManager.default.removeItem(at: scratch) } }
        let fillStart = ContinuousClock.now
        let small = try fill(DataDirectory(root: scratch.appendingPathComponent("small")), runs: 1_000, jobs: 100)
        let big = try fill(DataDirectory(root: scratch.appendingPathComponent("big")), runs: runs, jobs: jobs)
        print("filled \(runs) runs over \(jobs) jobs in \(format(elapsedSeconds(ContinuousClock.now - fillStart), digits: 1)) s")

        let configurations = [small, big].map { APIConfiguration(port: 0, dataDirectory: $0.data, maxRuns: 1) }
        try await BenchServers.run(configurations) { clients in
            func routes(_ store: Store) -> [(String, String)] {[
                ("GET /customJobs/ (first page)", "/customJobs/"),
                ("GET /customJobs/?offset=last (deep page)", "/customJobs/?offset=\(store.jobs - 1)"),
                ("GET /customJobs/?offset=middle&limit=20", "/customJobs/?offset=\(store.jobs / 2)&limit=20"),
                ("GET /customJobs/{hot}/", "/customJobs/\(store.hotJob)/"),
                ("GET …/runs/ (first page)", "/customJobs/\(store.hotJob)/runs/"),
                ("GET …/runs/?offset=last (deep page)", "/customJobs/\(store.hotJob)/runs/?offset=\(store.runs * 9 / 10 - 1)"),
                ("GET …/runs/?offset=middle&limit=20", "/customJobs/\(store.hotJob)/runs/?offset=\(store.runs * 9 / 20)&limit=20"),
                ("GET …/runs/{id}/", "/customJobs/\(store.hotJob)/runs/\(store.runId)/"),
                ("GET /customJobRuns/ (runs of every job, first page)", "/customJobRuns/"),
                ("GET /customJobRuns/?offset=middle&limit=20", "/customJobRuns/?offset=\(store.runs / 2)&limit=20"),
                ("GET …/runs/{id}/logs/", "/customJobs/\(store.hotJob)/runs/\(store.runId)/logs/"),
                ("GET /status/{id}/", "/status/\(store.statusId)/"),
                ("GET …/sharedRoles/", "/customJobs/\(store.hotJob)/sharedRoles/"),
                ("GET /deletedCustomJobs/", "/deletedCustomJobs/"),
                ("GET /credentials/", "/credentials/"),
                ("console: runs page (first 50)", "console:/"),
                ("console: runs page, one job's", "console:/?job=\(store.hotJob)"),
                ("console: runs page, the oldest", "console:/?before=\(store.oldestRunId)"),
                ("console: a run's page", "console:/runs/\(store.runId)"),
                ("console: jobs page", "console:/jobs"),
            ]}
            // Each server starts by deleting the 100,000 stale run tokens the fill left (its
            // recovery): timing waits for that, so no row is measured beside a big write.
            for store in [small, big] {
                let queue = try DatabaseQueue(path: store.data.database.path)
                let deadline = ContinuousClock.now + .seconds(60)
                while try await queue.read({ try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM token WHERE purpose LIKE 'run:%'") ?? 0 }) > 0,
                      ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            print("requests per row: \(requests); medians in ms; ratios to GET /version/ on the same server in the same loop")
            print("| route | small store ms | ratio | \(runs / 1000)k runs ms | ratio | big / small |")
            print("|---|---:|---:|---:|---:|---:|")
            let smallRoutes = routes(small), bigRoutes = routes(big)
            for index in smallRoutes.indices {
                var figures: [(route: Double, version: Double)] = []
                for (client, path) in [(clients[0], smallRoutes[index].1), (clients[1], bigRoutes[index].1)] {
                    var route: [Double] = [], version: [Double] = []
                    for _ in 0..<requests {
                        version.append(try await client.time("/version/"))
                        route.append(try await client.time(path))
                    }
                    figures.append((median(route), median(version)))
                }
                print("| \(smallRoutes[index].0) | \(format(figures[0].route * 1000)) | \(format(figures[0].route / figures[0].version, digits: 1))× "
                      + "| \(format(figures[1].route * 1000)) | \(format(figures[1].route / figures[1].version, digits: 1))× "
                      + "| \(format(figures[1].route / figures[0].route, digits: 1))× |")
            }
            // A trivial run on each, interleaved: server-side created → ended.
            var jobsToRun: [String] = []
            for client in clients { jobsToRun.append(try await client.createJob()) }
            var serverSide: [[Double]] = [[], []]
            for _ in 0..<max(20, requests / 2) {
                for index in clients.indices {
                    serverSide[index].append(try await clients[index].runOnce(jobsToRun[index]).serverSeconds)
                }
            }
            print("| a trivial run, created → ended | \(format(median(serverSide[0]) * 1000)) | | \(format(median(serverSide[1]) * 1000)) | "
                  + "| \(format(median(serverSide[1]) / median(serverSide[0]), digits: 1))× |")
        }
        for (name, store) in [("small", small), ("big", big)] {
            let bytes = ["", "-wal"].compactMap { suffix in
                (try? FileManager.default.attributesOfItem(atPath: store.data.database.path + suffix))?[.size] as? Int
            }.reduce(0, +)
            print("\(name) store: \(bytes / 1024) KiB of database, \(bytes / max(1, store.runs)) bytes per run")
        }
    }

    /// A store with `runs` ended runs (each with one file and the API token earlier versions
    /// kept, revoked) over `jobs` jobs, 90% of the runs in the first job: written in one
    /// transaction straight into the schema the server uses.
    static func fill(_ data: DataDirectory, runs: Int, jobs: Int) throws -> Store {
        let store = try RunStore(directory: data)
        _ = try store.bootstrapAdmin()
        let admin = try store.adminUserId()
        let blob = try store.blobs.store(Array("true\n".utf8))
        let queue = try DatabaseQueue(path: data.database.path)
        let now = Timestamp.now().microseconds
        func id(_ kind: UInt8, _ index: Int) -> String { String(format: "%02x%022x", kind, index) }
        try queue.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO blob (hash, size) VALUES (?, ?)", arguments: [blob.hash, blob.size])
            let job = try db.makeStatement(sql: """
                INSERT INTO job (id, name, description, jobType, entryPoint, environmentId, environmentVersionId,
                                 egressNetworkPolicy, ownerId, created, updated) VALUES (?, ?, '', 'default', ?, ?, ?, 'public', ?, ?, ?)
                """)
            let item = try db.makeStatement(sql: """
                INSERT INTO jobItem (id, jobId, filePath, fileName, fileSource, blobHash, size, created) VALUES (?, ?, 'run.sh', 'run.sh', 'local', ?, ?, ?)
                """)
            let role = try db.makeStatement(sql: "INSERT INTO jobRole (jobId, recipientType, recipientId, role, granted) VALUES (?, 'user', ?, 'OWNER', ?)")
            for index in 0..<jobs {
                let created = now - Int64(jobs - index) * 1_000
                try job.execute(arguments: [id(1, index), "job \(index)", id(2, index), ExecutionEnvironment.defaultID,
                                            ExecutionEnvironment.defaultVersionID, admin, created, created])
                try item.execute(arguments: [id(2, index), id(1, index), blob.hash, blob.size, created])
                try role.execute(arguments: [id(1, index), admin, created])
            }
            let run = try db.makeStatement(sql: """
                INSERT INTO run (id, jobId, statusId, description, status, entryPoint, environmentId, environmentVersionId,
                                 egressNetworkPolicy, parameterDefinitions, parameterValues, created, started, ended, exitCode,
                                 endReason, logBytes, jobType, sandbox, userId)
                VALUES (?, ?, ?, '', 'succeeded', ?, ?, ?, 'public', '[]', '{}', ?, ?, ?, 0, 'exited', ?, 'default', '[]', ?)
                """)
            let runItem = try db.makeStatement(sql: """
                INSERT INTO runItem (runId, id, filePath, fileName, fileSource, blobHash, size, created) VALUES (?, ?, 'run.sh', 'run.sh', 'local', ?, ?, ?)
                """)
            let token = try db.makeStatement(sql: """
                INSERT INTO token (id, userId, secretHash, purpose, created, expires, revoked) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            // Only the run the benchmark reads has a log file (100,000 files would time the
            // file system, not cjr).
            let line = Data(repeating: UInt8(ascii: "x"), count: 63) + Data([10])
            let probed = id(3, runs * 9 / 20)
            try line.write(to: data.logFile(runId: probed))
            let hot = runs * 9 / 10
            for index in 0..<runs {
                let jobIndex = index < hot ? 0 : 1 + (index - hot) % max(1, jobs - 1)
                let created = now - Int64(runs - index) * 1_000
                let runId = id(3, index)
                try run.execute(arguments: [runId, id(1, jobIndex), id(4, index), id(2, jobIndex), ExecutionEnvironment.defaultID,
                                            ExecutionEnvironment.defaultVersionID, created, created + 100, created + 900,
                                            runId == probed ? line.count : 0, admin])
                try runItem.execute(arguments: [runId, id(2, jobIndex), blob.hash, blob.size, created])
                try token.execute(arguments: [id(5, index), admin, id(6, index) + id(7, index), "run:\(runId)", created,
                                              created + 3_600_000_000, created + 900])
            }
        }
        try queue.close()
        return Store(data: data, hotJob: id(1, 0), runId: id(3, runs * 9 / 20), statusId: id(4, runs * 9 / 20),
                     oldestRunId: id(3, 50), runs: runs, jobs: jobs)
    }
}

extension API {
    /// Seconds a GET takes, its whole body read.
    func time(_ path: String) async throws -> Double {
        let start = ContinuousClock.now
        _ = try await raw(.GET, path)
        return elapsedSeconds(ContinuousClock.now - start)
    }
}
