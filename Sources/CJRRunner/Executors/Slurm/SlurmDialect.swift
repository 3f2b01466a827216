import Foundation

/// A batch job as cjr asks a cluster for it, whatever version of slurmrestd's API carries it.
struct SlurmJobRequest: Sendable {
    var name: String
    var script: String
    var workingDirectory: String
    /// stdout and stderr both go here, so their order holds.
    var outputFile: String
    /// The job's whole environment (Slurm adds its `SLURM_*` variables).
    var environment: [String: String]
    var timeLimitMinutes: Int
    var cpusPerTask: Int
    var memoryMegabytes: Int
    var partition: String?
}

/// A job as Slurm describes it.
struct SlurmJobState: Sendable {
    /// `PENDING`, `RUNNING`, `COMPLETED`, `FAILED`, `CANCELLED`, `TIMEOUT`, `NODE_FAIL`, …
    var state: String
    /// Why it is pending or ended (`Resources`, `Priority`, `None`, …).
    var reason: String
    /// The raw wait status: the exit code is `>> 8`, a signal `& 0x7f`.
    var exitCode: Int
    var nodes: String
}

/// A partition as Slurm describes it.
struct SlurmPartition: Sendable {
    var name: String
    var state: String
    var nodes: String
    var totalCPUs: Int
}

/// One version of slurmrestd's API: its paths, request bodies and response shapes. They
/// change between versions (v0.0.39 wraps numbers in `{set, infinite, number}`, v0.0.40
/// renames fields), so everything version-specific lives behind this boundary and the
/// executor speaks only ``SlurmJobRequest`` and ``SlurmJobState``.
protocol SlurmDialect: Sendable {
    /// The path segment, e.g. `v0.0.38`.
    var version: String { get }
    func submitBody(_ job: SlurmJobRequest) -> [String: Any]
    func submittedJobId(in response: [String: Any]) -> Int?
    func job(in response: [String: Any]) -> SlurmJobState?
    func partition(in response: [String: Any]) -> SlurmPartition?
}

extension SlurmDialect {
    func path(_ endpoint: String) -> String { "slurm/\(version)/\(endpoint)" }
}

/// The versions cjr speaks, newest first.
enum SlurmDialects {
    static let all: [any SlurmDialect] = [SlurmV0038()]

    static func named(_ version: String) -> (any SlurmDialect)? { all.first { $0.version == version } }
}

/// slurmrestd's `openapi/v0.0.38` (Slurm 22.05). Gotchas measured on it: `argv` crashes
/// slurmrestd, `"requeue": false` turns requeue *on* (left out), `environment` must not be
/// empty, `time_limit` is whole minutes.
struct SlurmV0038: SlurmDialect {
    var version: String { "v0.0.38" }

    func submitBody(_ job: SlurmJobRequest) -> [String: Any] {
        var properties: [String: Any] = [
            "name": job.name,
            "time_limit": job.timeLimitMinutes,
            "current_working_directory": job.workingDirectory,
            "standard_output": job.outputFile, "standard_error": job.outputFile,
            "environment": job.environment.isEmpty ? ["PATH": "/usr/bin:/bin"] : job.environment,
            "cpus_per_task": job.cpusPerTask, "memory_per_node": job.memoryMegabytes,
        ]
        if let partition = job.partition { properties["partition"] = partition }
        return ["script": job.script, "job": properties]
    }

    func submittedJobId(in response: [String: Any]) -> Int? { response["job_id"] as? Int }

    func job(in response: [String: Any]) -> SlurmJobState? {
        guard let job = (response["jobs"] as? [[String: Any]])?.first else { return nil }
        return SlurmJobState(state: job["job_state"] as? String ?? "UNKNOWN", reason: job["state_reason"] as? String ?? "",
                             exitCode: job["exit_code"] as? Int ?? 0, nodes: job["nodes"] as? String ?? "")
    }

    func partition(in response: [String: Any]) -> SlurmPartition? {
        guard let partition = (response["partitions"] as? [[String: Any]])?.first else { return nil }
        return SlurmPartition(name: partition["name"] as? String ?? "", state: partition["state"] as? String ?? "UNKNOWN",
                              nodes: partition["nodes"] as? String ?? "", totalCPUs: partition["total_cpus"] as? Int ?? 0)
    }
}
