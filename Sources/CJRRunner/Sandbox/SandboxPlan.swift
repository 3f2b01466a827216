import Foundation
import CJRModel

/// How one run is contained: the launcher's sandbox options and, for the run's record,
/// the protections they apply. Made before the run starts; a run whose containment or
/// requested policy cannot be enforced gets no plan unless unsandboxed runs are allowed.
struct SandboxPlan: Equatable {
    var launcherArguments: [String] = []
    var protections: [String] = []
    /// `[cjr]` lines for the run's log: what it does without.
    var warnings: [String] = []
    /// The run has its own namespaces and filesystem view (`cjr-launch --contain`).
    var contained = false
    /// As root: the run's uid is this plus the launcher's pid.
    var runUIDBase: UInt32?

    struct Refusal: Error {
        let message: String
    }

    /// What a contained run's filesystem view is made of, besides the standard parts.
    struct View: Equatable {
        /// The run's own directories (working directory, HOME): read-write.
        var runDirectories: [String]
        /// cjr's data directory and its own files: hidden.
        var hidden: [String]
        /// What the execution environment needs from beneath a hidden directory: read-only.
        var exposed: [String]
        /// Size of the private /tmp and /dev/shm.
        var temporaryBytes: Int64
        var runUIDBase: UInt32
    }

    static func make(for run: CustomJobRun, host: SandboxHost, view: View, allowUnsandboxed: Bool) throws(Refusal) -> SandboxPlan {
        var plan = SandboxPlan()
        if host.containment != .unavailable {
            plan.contained = true
            plan.launcherArguments += ["--contain", "--tmp-size", String(view.temporaryBytes)]
            if host.containment == .root {
                plan.launcherArguments += ["--uid-base", String(view.runUIDBase)]
                plan.runUIDBase = view.runUIDBase
            }
            for path in view.runDirectories { plan.launcherArguments += ["--bind", path] }
            for path in view.hidden { plan.launcherArguments += ["--hide", path] }
            for path in view.exposed { plan.launcherArguments += ["--expose", path] }
            plan.protections += ["pid-namespace", "mount-namespace"]
            if host.containment == .userNamespace { plan.protections.append("user-namespace") }
        } else {
            guard allowUnsandboxed else {
                throw Refusal(message: "this host cannot contain runs (\(host.containmentProblem ?? "no PID and mount namespaces for them"); "
                    + "see `cjr doctor`), so the run would share the host's processes and files; it was not started. "
                    + "Start cjr with --allow-unsandboxed to run it anyway.")
            }
            plan.warnings.append("this host cannot contain runs (see `cjr doctor`): the run shares the host's processes and "
                + "files, as --allow-unsandboxed permits")
            plan.protections.append("containment:not-enforced")
        }
        if host.filtersSyscalls, let policies = host.policies {
            plan.launcherArguments += ["--seccomp", policies.defaultProfile]
            plan.protections.append("seccomp:default")
        } else {
            plan.warnings.append("this host gives runs no seccomp filter (see `cjr doctor`): the run is contained by its "
                + "namespaces, identity and cgroups only")
        }
        guard run.resources.egressNetworkPolicy == .none else { return plan }
        if host.filtersSyscalls, let policies = host.policies {
            plan.launcherArguments += ["--seccomp", policies.egressNone]
            plan.protections.append("seccomp:egress-none")
        }
        if plan.contained {
            // In the run's own namespaces; its processes hold no capability to leave it.
            plan.launcherArguments.append("--netns")
            plan.protections.append("network-namespace")
        } else if host.filtersSyscalls {
            switch host.networkNamespace {
            case .root:
                plan.launcherArguments.append("--netns")
                plan.protections.append("network-namespace")
            case .userNamespace:
                plan.launcherArguments.append("--netns")
                plan.protections.append("network-namespace:userns")
            case .unavailable:
                break
            }
        } else if host.userNamespaces || host.networkNamespace == .userNamespace {
            // Without the filter a root job could setns() back out of a plain namespace.
            plan.launcherArguments.append("--netns-userns")
            plan.protections.append("network-namespace:userns")
        } else {
            // Only reached with --allow-unsandboxed: an uncontained run was refused above.
            plan.warnings.append("egressNetworkPolicy is none, but this host allows neither a seccomp filter nor a network "
                + "namespace the run cannot leave: the run has normal networking, as --allow-unsandboxed permits")
            plan.protections.append("egress-none:not-enforced")
        }
        return plan
    }

    /// Whether the run's resource bundle holds: a bundle the job names fails closed when
    /// the host cannot enforce all of its limits (as egress none does), unless
    /// `allowUnenforced`; the default bundle runs without what is missing. Returns the
    /// `[cjr]` warnings for the run's log.
    static func limits(for run: CustomJobRun, bundle: ResourceBundle, host: SandboxHost, allowUnenforced: Bool) throws(Refusal) -> [String] {
        let missing = host.cgroups.unenforcedResources
        guard !missing.isEmpty else { return [] }
        let names = missing.map { ["memory": "memory", "pids": "process count", "cpu": "CPU"][$0] ?? $0 }.joined(separator: ", ")
        let how = host.cgroups.enablingAdvice().joined(separator: "; ")
        guard run.resources.resourceBundleId != nil else {
            return ["the default resource bundle \(bundle.id) is not enforced here for \(names) (cjr may create no cgroup for them; "
                    + "`cjr doctor` shows how to enable them)"]
        }
        guard allowUnenforced else {
            throw Refusal(message: "resource bundle \(bundle.id) cannot be enforced on this host: cjr may create no cgroup for \(names), "
                + "so the run would not be held to the bundle; it was not started. To enable them: \(how). "
                + "Or start cjr with --allow-unenforced-limits to run it with what the host allows.")
        }
        return ["resource bundle \(bundle.id) is not enforced here for \(names), as --allow-unenforced-limits permits"]
    }

    /// The host directories an execution environment version needs: its PATH entries,
    /// its virtualenv and the Python installation the virtualenv was made from (`home` in
    /// `pyvenv.cfg`), each also at its resolved location.
    static func environmentPaths(of version: ExecutionEnvironmentVersion?) -> [String] {
        guard let version else { return [] }
        var paths = version.pathPrepend
        if let virtualEnv = version.virtualEnv {
            paths.append(virtualEnv)
            let config = (try? String(contentsOfFile: virtualEnv + "/pyvenv.cfg", encoding: .utf8)) ?? ""
            for line in config.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1).map(\.trimmed)
                guard parts.count == 2, parts[0] == "home", parts[1].hasPrefix("/") else { continue }
                // home is the interpreter's bin/; its installation is the parent.
                let installation = URL(fileURLWithPath: parts[1]).deletingLastPathComponent().path
                if installation != "/" && installation != "/usr" { paths.append(installation) }
            }
        }
        let resolved = paths.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
        var seen = Set<String>()
        return (paths + resolved).filter { seen.insert($0).inserted }
    }
}
