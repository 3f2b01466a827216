import Foundation

/// Per-run cgroups (v2) used to track and kill a run's whole process tree atomically with
/// `cgroup.kill`, whatever the processes do with sessions, groups or double forks.
///
/// Found at start: the cgroup v2 hierarchy (`/sys/fs/cgroup`, or `/sys/fs/cgroup/unified`
/// on hybrid hosts) when cjr may create a child cgroup there that has `cgroup.kill`.
/// Without one, the launcher's subreaper tree walk does the same job less atomically.
public struct RunCgroups: Sendable {
    /// `<hierarchy>/cjr`, the parent of every run's cgroup; nil when unavailable.
    public let parent: String?

    public static func detect() -> RunCgroups {
        for hierarchy in ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"] {
            guard FileManager.default.fileExists(atPath: hierarchy + "/cgroup.procs"),
                  FileManager.default.fileExists(atPath: hierarchy + "/cgroup.controllers") else { continue }
            let parent = hierarchy + "/cjr"
            if mkdir(parent, 0o755) != 0 && errno != EEXIST { continue }
            let probe = parent + "/probe-\(getpid())"
            guard mkdir(probe, 0o755) == 0 else { continue }
            let usable = FileManager.default.fileExists(atPath: probe + "/cgroup.kill")
            rmdir(probe)
            if usable { return RunCgroups(parent: parent) }
        }
        return RunCgroups(parent: nil)
    }

    public init(parent: String?) { self.parent = parent }

    /// Creates the cgroup of one run, or returns nil when cgroups are not in use.
    func create(runId: String) -> String? {
        guard let parent else { return nil }
        let path = parent + "/run-" + runId
        return mkdir(path, 0o755) == 0 || errno == EEXIST ? path : nil
    }

    /// Kills every process in the cgroup.
    static func kill(_ path: String) {
        try? "1".write(toFile: path + "/cgroup.kill", atomically: false, encoding: .utf8)
    }

    /// Removes a run's cgroup once it is empty (killing what is left first).
    static func remove(_ path: String) async {
        for attempt in 0..<200 {
            if rmdir(path) == 0 || errno == ENOENT { return }
            if attempt == 0 { kill(path) }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
