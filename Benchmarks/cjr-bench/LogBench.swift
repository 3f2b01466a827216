// `cjr-bench logs`: a run writing N MiB to stdout, captured into the store by a live
// server, against `head -c N /dev/zero | cat > file` on the same disk; then the log
// downloaded through `GET …/logs/` against `cat file | cat > /dev/null` (through a pipe). Reports the server's
// peak memory growth while it captures (it must stay flat, whatever N).
import Foundation
import CJRAPI
import CJRModel
import CJRRunner
import CJRStore
import NIOHTTP1

enum LogBench {
    static func run(mebibytes: Int) async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cjr-bench-logs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let bytes = mebibytes << 20
        let file = scratch.appendingPathComponent("baseline.out")
        @Sendable func baseline() throws -> (write: Double, read: Double) {
            let write = try timeShell("head -c \(bytes) /dev/zero | cat > '\(file.path)'")
            let read = try timeShell("cat '\(file.path)' | cat > /dev/null")
            try? FileManager.default.removeItem(at: file)
            return (write, read)
        }

        var configuration = APIConfiguration(port: 0, dataDirectory: DataDirectory(root: scratch.appendingPathComponent("data")), maxRuns: 1)
        // The default bundle with room for the whole output (bundles cap a run's log).
        guard var bundle = ResourceBundles.builtIn.bundle(id: "cpu.medium") else { throw BenchError("no cpu.medium bundle") }
        bundle.maxLogBytes = Int64(bytes) + (1 << 20)
        configuration.runner.maxLogBytes = bundle.maxLogBytes
        configuration.runner.resourceBundles = try ResourceBundles([bundle], defaultID: bundle.id)
        try await BenchServers.run([configuration]) { apis in
            let api = apis[0]
            let job = try await api.createJob(script: "head -c \(bytes) /dev/zero\n")
            var rows: [(String, Double, Double)] = []
            // Two rounds, baseline and cjr interleaved; the better of each is kept (noise only adds).
            var best = (baseWrite: Double.infinity, baseRead: Double.infinity, capture: Double.infinity, download: Double.infinity)
            let memoryBefore = peakResidentBytes()
            for _ in 0..<2 {
                let base = try baseline()
                let run = try await api.runOnce(job, poll: .milliseconds(20))
                let start = ContinuousClock.now
                let received = try await api.count("/customJobs/\(job)/runs/\(run.id)/logs/")
                let download = elapsedSeconds(ContinuousClock.now - start)
                guard received == bytes else { throw BenchError("log of \(received) bytes, expected \(bytes)") }
                best = (min(best.baseWrite, base.write), min(best.baseRead, base.read), min(best.capture, run.serverSeconds),
                        min(best.download, download))
            }
            let growth = peakResidentBytes() - memoryBefore
            rows.append(("capture: run writing \(mebibytes) MiB, created → ended", best.capture, best.baseWrite))
            rows.append(("download: GET …/logs/", best.download, best.baseRead))
            print("| what | baseline s | cjr s | MiB/s | ratio to baseline |")
            print("|---|---:|---:|---:|---:|")
            print("| `head -c … \\| cat > file` (capture's baseline) | \(format(best.baseWrite)) | | \(format(Double(mebibytes) / best.baseWrite, digits: 0)) | 1.0× |")
            print("| `cat file \\| cat > /dev/null` (download's baseline) | \(format(best.baseRead)) | | \(format(Double(mebibytes) / best.baseRead, digits: 0)) | 1.0× |")
            for (name, value, base) in rows {
                print("| \(name) | | \(format(value)) | \(format(Double(mebibytes) / value, digits: 0)) | \(format(value / base, digits: 1))× |")
            }
            print("server peak memory growth while capturing and serving: \(growth >> 20) MiB")
        }
    }

    static func timeShell(_ command: String) throws -> Double {
        let start = ContinuousClock.now
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", command]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError("`\(command)` failed") }
        return elapsedSeconds(ContinuousClock.now - start)
    }

    /// This process's peak resident set, in bytes (`VmHWM`).
    static func peakResidentBytes() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) << 10
    }
}
