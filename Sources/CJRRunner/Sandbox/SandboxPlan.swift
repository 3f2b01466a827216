import CJRModel

/// How one run is contained: the launcher's sandbox options and, for the run's record,
/// the protections they apply. Made before the run starts; a run whose requested policy
/// cannot be enforced gets no plan unless unsandboxed runs are allowed.
struct SandboxPlan: Equatable {
    var launcherArguments: [String] = []
    var protections: [String] = []
    /// `[cjr]` lines for the run's log: what it does without.
    var warnings: [String] = []

    struct Refusal: Error {
        let message: String
    }

    static func make(for run: CustomJobRun, host: SandboxHost, allowUnsandboxed: Bool) throws(Refusal) -> SandboxPlan {
        var plan = SandboxPlan()
        if host.filtersSyscalls, let policies = host.policies {
            plan.launcherArguments += ["--seccomp", policies.defaultProfile]
            plan.protections.append("seccomp:default")
        } else {
            plan.warnings.append("this host gives runs no seccomp filter (see `cjr doctor`): the run is contained by its "
                + "session, cgroups and namespaces only")
        }
        guard run.resources.egressNetworkPolicy == .none else { return plan }
        if host.filtersSyscalls, let policies = host.policies {
            plan.launcherArguments += ["--seccomp", policies.egressNone]
            plan.protections.append("seccomp:egress-none")
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
            guard allowUnsandboxed else {
                throw Refusal(message: "egressNetworkPolicy is none, but this host allows neither a seccomp filter nor a "
                    + "network namespace the run cannot leave, to cut it off the network; the run was not started (see "
                    + "`cjr doctor`). Use egress public, or start cjr with --allow-unsandboxed to run it with normal networking.")
            }
            plan.protections.append("egress-none:not-enforced")
        }
        return plan
    }
}
