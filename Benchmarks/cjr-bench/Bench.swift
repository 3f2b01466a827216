// cjr-bench: cjr's costs measured against a baseline timed in the same process and the
// same minutes (these machines are noisy, so only ratios from one run mean anything).
//
//   swift build -c release --product cjr-bench --product cjr-launch
//   .build/release/cjr-bench launch [--runs N]    a run's overhead against bash (default)
//   .build/release/cjr-bench throughput [--runs N] N runs through a server against N bash runs
//   .build/release/cjr-bench history [--runs N]   API routes on 100,000 runs against /version/
//   .build/release/cjr-bench logs [--mib N]       capturing and serving output against cat
//
// `scripts/bench` runs all three and prints their tables (BENCHMARKS.md records them).
import Foundation

@main
struct Bench {
    static func main() async throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        func option(_ name: String, _ fallback: Int) -> Int {
            arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? Int(arguments[$0 + 1]) : nil } ?? fallback
        }
        switch arguments.first(where: { !$0.hasPrefix("-") && Int($0) == nil }) ?? "launch" {
        case "launch": try await LaunchBench.run(runs: option("--runs", 200))
        case "history": try await HistoryBench.run(requests: option("--runs", 100), runs: option("--history-runs", 100_000),
                                                   jobs: option("--history-jobs", 10_000))
        case "logs": try await LogBench.run(mebibytes: option("--mib", 1024))
        case "throughput": try await ThroughputBench.run(runs: option("--runs", 500))
        case let other: throw BenchError("unknown benchmark '\(other)'; one of launch, throughput, history, logs")
        }
    }
}
