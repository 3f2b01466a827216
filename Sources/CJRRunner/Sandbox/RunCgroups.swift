import Foundation
import CJRModel

/// Per-run cgroups: one to track and kill a run's whole process tree atomically
/// (`cgroup.kill`, cgroup v2), and the ones that hold its resource bundle's limits
/// (memory, processes, CPU).
///
/// Found at start, under a `cjr/` parent cjr may create at the top of a hierarchy (as
/// root) or in the process's own cgroup there (delegated to an ordinary user):
/// - the cgroup v2 hierarchy (`/sys/fs/cgroup`, or `/sys/fs/cgroup/unified` on hybrid
///   hosts) when a child cgroup there has `cgroup.kill`; its `memory`, `pids` and `cpu`
///   controllers when the hierarchy delegates them;
/// - otherwise, for limits, the cgroup v1 `memory`, `pids` and `cpu` hierarchies
///   (hybrid hosts keep their controllers there).
/// Without any, the launcher's subreaper tree walk still kills everything, and the run's
/// record says its limits were not enforced.
public struct RunCgroups: Sendable {
    /// `<v2 hierarchy>/cjr`, the parent of every run's cgroup; nil when unavailable.
    public let parent: String?
    /// Controllers enabled for the runs' v2 cgroups.
    public let v2Controllers: Set<String>
    /// Controller → `/sys/fs/cgroup/<controller>/cjr` for v1 controllers cjr may use.
    public let v1Parents: [String: String]

    public init(parent: String?, v2Controllers: Set<String> = [], v1Parents: [String: String] = [:]) {
        self.parent = parent
        self.v2Controllers = v2Controllers
        self.v1Parents = v1Parents
    }

    static let limitControllers = ["memory", "pids", "cpu"]

    public static func detect(root: String = "/sys/fs/cgroup") -> RunCgroups {
        let own = ownCgroups()
        var parent: String?
        var v2Controllers = Set<String>()
        // The hierarchy's top (root's), then this process's own cgroup there: one delegated
        // to an ordinary user (`systemd-run --user --scope -p Delegate=yes`, or chowned).
        for hierarchy in [root + "/unified", root] where exists(hierarchy + "/cgroup.procs") && exists(hierarchy + "/cgroup.controllers") {
            for base in candidates(hierarchy, own: own[""]) {
                guard makeDirectory(base + "/cjr") else { continue }
                let probe = base + "/cjr/" + probeName()
                guard mkdir(probe, 0o755) == 0 else { continue }
                let usable = exists(probe + "/cgroup.kill")
                rmdir(probe)
                guard usable else { continue }
                parent = base + "/cjr"
                v2Controllers = enableControllers(in: base)
                break
            }
            if parent != nil { break }
        }
        var v1Parents: [String: String] = [:]
        for controller in limitControllers where !v2Controllers.contains(controller) {
            let hierarchy = root + "/" + controller
            guard exists(hierarchy + "/tasks") else { continue }
            for base in candidates(hierarchy, own: own[controller]) where makeDirectory(base + "/cjr") {
                let probe = base + "/cjr/" + probeName()
                guard mkdir(probe, 0o755) == 0 else { continue }
                rmdir(probe)
                v1Parents[controller] = base + "/cjr"
                break
            }
        }
        return RunCgroups(parent: parent, v2Controllers: v2Controllers, v1Parents: v1Parents)
    }

    /// A cgroup name no other detection uses at the same time: two in one process (servers
    /// started side by side, as the tests do) once shared `probe-PID`, and the one whose
    /// mkdir met the other's directory took the hierarchy for unusable.
    private static func probeName() -> String {
        "probe-\(getpid())-\(UInt64.random(in: .min ... .max))"
    }

    /// Where a `cjr/` parent may go in `hierarchy`: its top, then this process's own cgroup.
    private static func candidates(_ hierarchy: String, own: String?) -> [String] {
        guard let own, own != "/" else { return [hierarchy] }
        return [hierarchy, hierarchy + own]
    }

    /// This process's cgroup in each hierarchy, from `/proc/self/cgroup`: controller → path
    /// ("" for the v2 hierarchy).
    static func ownCgroups() -> [String: String] {
        var paths: [String: String] = [:]
        for line in read("/proc/self/cgroup").split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            for controller in fields[1].split(separator: ",", omittingEmptySubsequences: false) {
                paths[String(controller)] = String(fields[2])
            }
        }
        return paths
    }

    /// Enables the limit controllers `base` offers for the runs' cgroups under `base/cjr`;
    /// returns those that are. A cgroup with processes of its own cannot hand controllers to
    /// its children (cgroup v2's rule), so when `base` is this process's delegated cgroup
    /// and that is what stops it, the process first moves to a leaf of it, `base/server`.
    private static func enableControllers(in base: String) -> Set<String> {
        let offered = Set(read(base + "/cgroup.controllers").split(separator: " ").map(String.init))
        let wanted = limitControllers.filter(offered.contains)
        guard !wanted.isEmpty else { return [] }
        func enable(_ controller: String) -> Bool { write(base + "/cgroup.subtree_control", "+" + controller) }
        if !wanted.allSatisfy(enable), errno == EBUSY, makeDirectory(base + "/server"), write(base + "/server/cgroup.procs", String(getpid())) {
            for controller in wanted { _ = enable(controller) }
        }
        for controller in wanted { write(base + "/cjr/cgroup.subtree_control", "+" + controller) }
        let enabled = Set(read(base + "/cjr/cgroup.subtree_control").split(separator: " ").map(String.init))
        return enabled.intersection(limitControllers)
    }

    /// Moving a process into a v1 cgroup waits for an RCU grace period unless the cgroup v2
    /// hierarchy is mounted with `favordynmods`; on a hybrid host that is most of a run's
    /// overhead (BENCHMARKS.md). nil when it does not apply or is already set.
    public var migrationTip: String? {
        guard !v1Parents.isEmpty, let parent else { return nil }
        let mount = URL(fileURLWithPath: parent).deletingLastPathComponent().path
        let mounts = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        let line = mounts.split(separator: "\n").first { $0.split(separator: " ").dropFirst(4).first.map(String.init) == mount }
        guard let line, !line.contains("favordynmods") else { return nil }
        return "`mount -o remount,favordynmods \(mount)` (as root) makes entering a run's v1 limit cgroups cheap "
            + "(on these hybrid hosts about 12 ms less per run; see BENCHMARKS.md)"
    }

    /// The limits of a resource bundle this host cannot enforce for cjr's user.
    public var unenforcedResources: [String] { Self.limitControllers.filter { !limitedResources.contains($0) } }

    /// How to get the missing limits on this host, as commands to type; empty when none
    /// is missing.
    public func enablingAdvice(root: String = "/sys/fs/cgroup") -> [String] {
        guard !unenforcedResources.isEmpty else { return [] }
        if getuid() == 0 {
            return ["cjr runs as root but cannot create cgroups under \(root) (a container without write access to its cgroups?): "
                    + "give it a writable cgroup hierarchy (e.g. `docker run --cgroupns=private`, or a writable /sys/fs/cgroup)"]
        }
        let user = getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? String(getuid())
        let group = "cjr-\(user)"
        var advice: [String] = []
        if Self.exists(root + "/cgroup.controllers") {
            if Self.exists("/run/systemd/system") {
                advice.append("start cjr in a cgroup delegated to you: `systemd-run --user --scope -p Delegate=yes cjr serve …`")
                advice.append("if cpu stays missing, let user sessions have it (once, as root): `sudo mkdir -p /etc/systemd/system/user@.service.d "
                    + "&& printf '[Service]\\nDelegate=memory pids cpu\\n' | sudo tee /etc/systemd/system/user@.service.d/cjr.conf "
                    + "&& sudo systemctl daemon-reload`, then log in again")
            } else {
                advice.append("give yourself a cgroup and start cjr from this shell inside it: `SHELL_PID=$$; sudo sh -c \"mkdir -p \(root)/\(group) "
                    + "&& echo '+memory +pids +cpu' > \(root)/cgroup.subtree_control && chown -R \(user) \(root)/\(group) "
                    + "&& echo $SHELL_PID > \(root)/\(group)/cgroup.procs\"`")
            }
        } else {
            advice.append("give yourself cgroups and start cjr from this shell inside them: `SHELL_PID=$$; sudo sh -c \"for c in memory pids cpu; "
                + "do mkdir -p \(root)/\\$c/\(group) && chown -R \(user) \(root)/\\$c/\(group) && echo $SHELL_PID > \(root)/\\$c/\(group)/tasks; done\"`")
        }
        advice.append("or run cjr as root")
        return advice
    }

    /// Which limits can be enforced, for reports.
    public var limitedResources: [String] {
        Self.limitControllers.filter { v2Controllers.contains($0) || v1Parents[$0] != nil }
    }

    /// Creates the cgroups of one run with `bundle`'s limits.
    func create(runId: String, bundle: ResourceBundle) -> RunCgroupSet {
        var set = RunCgroupSet()
        let name = "run-" + runId
        if let parent, Self.makeDirectory(parent + "/" + name) {
            set.tree = parent + "/" + name
        }
        for controller in Self.limitControllers {
            if let tree = set.tree, v2Controllers.contains(controller) {
                set.limits += Self.apply(controller, bundle: bundle, in: tree, v2: true)
                set.files[controller] = tree
            } else if let v1 = v1Parents[controller], Self.makeDirectory(v1 + "/" + name) {
                set.joins.append(v1 + "/" + name)
                set.limits += Self.apply(controller, bundle: bundle, in: v1 + "/" + name, v2: false)
                set.files[controller] = v1 + "/" + name
            }
        }
        return set
    }

    /// Writes one controller's limit; returns what it set, for the run's record.
    private static func apply(_ controller: String, bundle: ResourceBundle, in directory: String, v2: Bool) -> [String] {
        switch controller {
        case "memory":
            let bytes = String(bundle.memoryBytes)
            if v2 {
                guard write(directory + "/memory.max", bytes) else { return [] }
                write(directory + "/memory.swap.max", "0") // absent without swap accounting
            } else {
                guard write(directory + "/memory.limit_in_bytes", bytes) else { return [] }
                write(directory + "/memory.memsw.limit_in_bytes", bytes) // no escape into swap, where accounted
            }
            return ["memory.max=\(bytes)"]
        case "pids":
            return write(directory + "/pids.max", String(bundle.maxProcesses)) ? ["pids.max=\(bundle.maxProcesses)"] : []
        case "cpu":
            let period = 100_000
            let quota = Int(bundle.cpuCount * Double(period))
            let applied = v2 ? write(directory + "/cpu.max", "\(quota) \(period)")
                : write(directory + "/cpu.cfs_period_us", String(period)) && write(directory + "/cpu.cfs_quota_us", String(quota))
            return applied ? ["cpu.max=\(bundle.cpuCount.plainText)"] : []
        default:
            return []
        }
    }

    /// Removes the cgroups a run left behind (its server died while it ran, perhaps before
    /// it recorded them): everything in them is killed first, where the kernel allows.
    func removeLeftovers(runId: String) async {
        var set = RunCgroupSet()
        if let parent, Self.exists(parent + "/run-" + runId) { set.tree = parent + "/run-" + runId }
        set.joins = v1Parents.values.map { $0 + "/run-" + runId }.filter(Self.exists)
        await set.remove()
    }

    /// Kills every process in a v2 cgroup.
    static func kill(_ path: String) {
        write(path + "/cgroup.kill", "1")
    }

    /// Removes a cgroup once it is empty (killing what is left first, where it can).
    static func remove(_ path: String) async {
        for attempt in 0..<200 {
            if rmdir(path) == 0 || errno == ENOENT { return }
            if attempt == 0 && FileManager.default.fileExists(atPath: path + "/cgroup.kill") { kill(path) }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    static func makeDirectory(_ path: String) -> Bool { mkdir(path, 0o755) == 0 || errno == EEXIST }

    static func read(_ path: String) -> String {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmed
    }

    @discardableResult
    static func write(_ path: String, _ text: String) -> Bool {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return text.withCString { Foundation.write(descriptor, $0, strlen($0)) } >= 0
    }
}

/// The cgroups of one run: `tree` (v2, for `cgroup.kill`), the v1 directories the entry
/// point joins, and where each controller's counters are.
struct RunCgroupSet: Sendable {
    var tree: String?
    var joins: [String] = []
    /// What was set, e.g. `memory.max=268435456`.
    var limits: [String] = []
    /// Controller → the directory holding its files for this run.
    var files: [String: String] = [:]

    /// How many processes the kernel killed for exceeding the memory limit.
    var outOfMemoryKills: Int {
        guard let directory = files["memory"] else { return 0 }
        return Self.counter("oom_kill", in: RunCgroups.read(directory + "/memory.events"))
            + Self.counter("oom_kill", in: RunCgroups.read(directory + "/memory.oom_control"))
    }

    /// How many times a fork or clone failed at the process limit.
    var processLimitHits: Int {
        guard let directory = files["pids"] else { return 0 }
        return Self.counter("max", in: RunCgroups.read(directory + "/pids.events"))
    }

    private static func counter(_ name: String, in text: String) -> Int {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == name, let value = Int(parts[1]) { return value }
        }
        return 0
    }

    /// Kills what is left in the run's tree, then removes the limit cgroups and the tree
    /// (a v1 cgroup cannot go while a process is in it, and v1 has no cgroup.kill).
    func remove() async {
        if let tree { RunCgroups.kill(tree) }
        for path in joins { await RunCgroups.remove(path) }
        if let tree { await RunCgroups.remove(tree) }
    }
}
