import CJRModel
import Foundation

/// What this host lets cjr use to contain a run, found once at start: the seccomp filter
/// (and its policy files), a network namespace (as root, or through an unprivileged user
/// namespace), per-run cgroups. cjr uses the strongest of each that is there, and says
/// which in `cjr doctor`, at server start and in every run's record.
public struct SandboxHost: Sendable {
    public enum NetworkNamespace: String, Sendable {
        /// `unshare(CLONE_NEWNET)` as root.
        case root
        /// A user namespace first (an ordinary user's way in).
        case userNamespace = "userns"
        case unavailable = "no"
    }

    /// Whether runs can be contained (`cjr-launch --contain`): PID, mount and IPC
    /// namespaces, the run's own filesystem view and identity.
    public enum Containment: String, Sendable {
        /// As root: the run executes as an unprivileged uid of its own.
        case root
        /// As an ordinary user, through a user namespace: the run keeps the user's ids,
        /// without capabilities.
        case userNamespace = "userns"
        case unavailable = "no"
    }

    public var seccomp: Bool
    public var networkNamespace: NetworkNamespace
    public var containment: Containment
    /// Why runs cannot be contained here, and what would enable it (from `--probe`).
    public var containmentProblem: String?
    /// Unprivileged user namespaces work (a root job without the filter gets its network
    /// namespace through one, so it cannot setns() back into the host's).
    public var userNamespaces: Bool
    public var policies: SandboxPolicies?
    public var cgroups: RunCgroups

    public init(seccomp: Bool, networkNamespace: NetworkNamespace, userNamespaces: Bool = false,
                containment: Containment = .unavailable, containmentProblem: String? = nil,
                policies: SandboxPolicies?, cgroups: RunCgroups) {
        self.seccomp = seccomp
        self.networkNamespace = networkNamespace
        self.containment = containment
        self.containmentProblem = containmentProblem
        self.userNamespaces = userNamespaces
        self.policies = policies
        self.cgroups = cgroups
    }

    /// How egress `none` is enforced here, strongest first; empty when it cannot be.
    /// Without the filter a namespace only counts through a user namespace: a plain one
    /// leaves a root job free to setns() back into the host's.
    var egressNoneMeans: [String] {
        var means: [String] = []
        if filtersSyscalls { means.append("socket filter") }
        if containment != .unavailable {
            means.append("network namespace")
        } else if filtersSyscalls && networkNamespace != .unavailable {
            means.append("network namespace")
        } else if !filtersSyscalls && (userNamespaces || networkNamespace == .userNamespace) {
            means.append("network namespace in a user namespace")
        }
        return means
    }

    /// The filter is usable: the kernel takes it and the policy files are there.
    public var filtersSyscalls: Bool { seccomp && policies != nil }

    /// Detects what the host allows, with the `cjr-launch` cjr would use.
    public static func detect(launcherPath: String? = nil) throws -> SandboxHost {
        detect(launcher: try LauncherBinary.locate(override: launcherPath))
    }

    /// Asks `cjr-launch --probe` (a few forked children, ~3 ms) and looks at the cgroups.
    /// With `cache`, the probe's answers are kept in that file and reused while nothing
    /// they follow from changes (``HostProbeCache``).
    public static func detect(launcher: String, policies: SandboxPolicies? = .locate(), cgroups: RunCgroups = .detect(),
                              cache: URL? = nil) -> SandboxHost {
        let cached = cache.map { (store: HostProbeCache(file: $0), fingerprint: HostProbeCache.fingerprint(launcher: launcher)) }
        var answers = cached.flatMap { $0.store.answers(for: $0.fingerprint) } ?? [:]
        if answers.isEmpty {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: launcher)
            process.arguments = ["--probe"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            if (try? process.run()) != nil {
                let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                answers = HostProbeCache.parse(output)
                if process.terminationStatus == 0, HostProbeCache.isKeepable(answers), let cached {
                    cached.store.keep(output, for: cached.fingerprint)
                }
            }
        }
        return SandboxHost(seccomp: answers["seccomp"] == "yes",
                           networkNamespace: NetworkNamespace(rawValue: answers["netns"] ?? "no") ?? .unavailable,
                           userNamespaces: answers["userns"] == "yes",
                           containment: Containment(rawValue: answers["contain"] ?? "no") ?? .unavailable,
                           containmentProblem: answers["contain-reason"],
                           policies: policies, cgroups: cgroups)
    }

    /// One line per protection, for `cjr doctor` and the server's start-up log.
    public func report(runUIDBase: UInt32 = RunnerConfiguration.defaultRunUIDBase) -> [(name: String, value: String)] {
        let filter = !seccomp ? "unavailable (the kernel refuses seccomp filters here)"
            : policies.map { "yes, policies in \($0.directory.path)" }
            ?? "unavailable: policy files not found (set CJR_SECCOMP_DIR to a copy of sandbox/seccomp)"
        let namespace = switch networkNamespace {
        case .root: "yes (as root)"
        case .userNamespace: "yes (through an unprivileged user namespace)"
        case .unavailable: "unavailable"
        }
        let means = egressNoneMeans
        let egress = means.isEmpty ? "cannot be enforced: such runs fail unless cjr runs with --allow-unsandboxed"
            : "enforced (\(means.joined(separator: " + ")))"
        let tree = cgroups.parent.map { "cgroup v2 with cgroup.kill under \($0), plus the launcher's subreaper walk" }
            ?? "the launcher's subreaper walk (no delegated cgroup v2 with cgroup.kill)"
        let limited = cgroups.limitedResources.map { controller in
            cgroups.v2Controllers.contains(controller) ? "\(controller) (cgroup v2)" : "\(controller) (cgroup v1)"
        }
        let missing = cgroups.unenforcedResources
        let limits = limited.isEmpty ? "not enforced: no memory, pids or cpu cgroup cjr may create (runs record limits:not-enforced; "
            + "a job that names a resource bundle fails unless cjr runs with --allow-unenforced-limits)"
            : limited.joined(separator: ", ") + (missing.isEmpty ? "" : "; not \(missing.joined(separator: ", ")) (a job that names a "
                + "resource bundle fails unless cjr runs with --allow-unenforced-limits)")
        let pidMax = Int((try? String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8))?.trimmed ?? "") ?? 4_194_304
        let contained = switch containment {
        case .root:
            "yes: own PID, mount, IPC and cgroup namespaces; runs execute as uid = gid = \(runUIDBase) + the launcher's pid "
                + "(\(runUIDBase)–\(UInt64(runUIDBase) + UInt64(pidMax) - 1)), no supplementary groups, no capabilities"
        case .userNamespace:
            "yes, through an unprivileged user namespace: own PID, mount, IPC and cgroup namespaces; runs keep uid \(getuid()) "
                + "with no capabilities" + Self.supplementaryGroupsWarning
        case .unavailable:
            "unavailable (\(containmentProblem ?? "needs Linux 5.12 or later, and unprivileged user namespaces for an ordinary user")): "
                + "runs fail unless cjr runs with --allow-unsandboxed"
        }
        var lines = [("containment", contained)]
        if containment != .unavailable { lines += Self.viewReport }
        lines += [("seccomp filter", filter), ("network namespace", namespace), ("egress none", egress), ("process tree", tree),
                  ("resource limits", limits)]
        for advice in cgroups.enablingAdvice() { lines.append(("to enforce limits", advice)) }
        if let tip = cgroups.migrationTip { lines.append(("tip", tip)) }
        return lines
    }

    /// An ordinary user's runs keep its supplementary groups: an unprivileged process may
    /// drop none of them (and must deny setgroups in its user namespace).
    static var supplementaryGroupsWarning: String {
        var groups = [gid_t](repeating: 0, count: 256)
        let count = Int(getgroups(Int32(groups.count), &groups))
        let extra = groups.prefix(max(count, 0)).filter { $0 != getgid() }
        guard !extra.isEmpty else { return "" }
        let names = extra.map { gid in getgrgid(gid).map { String(cString: $0.pointee.gr_name) } ?? String(gid) }
        return "; and its supplementary groups \(names.joined(separator: ", ")), which an unprivileged process cannot drop: "
            + "run cjr as a user without them"
    }

    /// The filesystem view of a contained run (built by `cjr-launch --contain`; see
    /// sandbox/README.md, "Containment").
    static let viewReport: [(name: String, value: String)] = [
        ("filesystem view", "/ read-only, set-uid bits ignored; /proc of the run's own processes; /dev minimal "
            + "(null zero full random urandom tty, shm, pts)"),
        ("", "private: /tmp and /dev/shm (tmpfs, at most the resource bundle's memory)"),
        ("", "hidden (empty): /root /home /run /var/tmp, cjr's data directory (database, token, keys, blobs, other runs), "
            + "cjr's own binaries and seccomp policies"),
        ("", "read-write: the run's own job/ (working directory) and home/ (HOME)"),
        ("", "read-only again: the execution environment's directories (PATH entries, virtualenv, its Python), "
            + "/etc/resolv.conf"),
    ]
}
