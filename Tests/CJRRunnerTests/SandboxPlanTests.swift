import Foundation
import Testing
import CJRModel
@testable import CJRRunner

@Suite("SandboxPlan: what each host gives a run, and when a run is refused")
struct SandboxPlanTests {
    static let policies = SandboxPolicies(directory: URL(fileURLWithPath: "/policies"))
    static let view = SandboxPlan.View(runDirectories: ["/data/runs/r/job", "/data/runs/r/home"], hidden: ["/data"],
                                       exposed: ["/opt/venv"], temporaryBytes: 256 << 20, runUIDBase: 1_900_000_000)

    private func host(_ containment: SandboxHost.Containment, seccomp: Bool = true, netns: SandboxHost.NetworkNamespace = .root,
                      userns: Bool = true) -> SandboxHost {
        SandboxHost(seccomp: seccomp, networkNamespace: netns, userNamespaces: userns, containment: containment,
                    containmentProblem: containment == .unavailable ? "probe said no" : nil,
                    policies: seccomp ? Self.policies : nil, cgroups: RunCgroups(parent: nil))
    }

    private func run(egress: EgressNetworkPolicy) -> CustomJobRun {
        CustomJobRun(id: "r", customJobId: "j", jobStatusId: "s", description: "", status: .running, entryPoint: "e",
                     environmentId: "e", environmentVersionId: "v",
                     resources: CustomJobResources(egressNetworkPolicy: egress, resourceBundleId: nil), items: [], created: .now())
    }

    @Test("as root: contained, its own uid range, the view's paths, the filter; egress none adds a network namespace")
    func root() throws {
        let plan = try SandboxPlan.make(for: run(egress: .none), host: host(.root), view: Self.view, allowUnsandboxed: false)
        #expect(plan.contained && plan.runUIDBase == 1_900_000_000)
        #expect(plan.launcherArguments == ["--contain", "--tmp-size", "268435456", "--uid-base", "1900000000",
                                           "--bind", "/data/runs/r/job", "--bind", "/data/runs/r/home", "--hide", "/data",
                                           "--expose", "/opt/venv", "--seccomp", "/policies/default.policy",
                                           "--seccomp", "/policies/egress-none.policy", "--netns"])
        #expect(plan.protections == ["pid-namespace", "mount-namespace", "seccomp:default", "seccomp:egress-none", "network-namespace"])
        #expect(plan.warnings.isEmpty)
    }

    @Test("as an ordinary user: contained through a user namespace, no uid of its own")
    func userNamespace() throws {
        let plan = try SandboxPlan.make(for: run(egress: .public), host: host(.userNamespace), view: Self.view, allowUnsandboxed: false)
        #expect(plan.contained && plan.runUIDBase == nil)
        #expect(!plan.launcherArguments.contains("--uid-base") && !plan.launcherArguments.contains("--netns"))
        #expect(plan.protections == ["pid-namespace", "mount-namespace", "user-namespace", "seccomp:default"])
    }

    @Test("contained without the filter: still a network namespace for egress none, and a warning")
    func containedWithoutFilter() throws {
        let plan = try SandboxPlan.make(for: run(egress: .none), host: host(.root, seccomp: false), view: Self.view, allowUnsandboxed: false)
        #expect(plan.protections == ["pid-namespace", "mount-namespace", "network-namespace"])
        #expect(plan.warnings.count == 1 && plan.warnings[0].contains("no seccomp filter"))
    }

    @Test("a host that cannot contain refuses the run with the probe's reason, unless unsandboxed runs are allowed")
    func refusal() throws {
        #expect {
            try SandboxPlan.make(for: run(egress: .public), host: host(.unavailable), view: Self.view, allowUnsandboxed: false)
        } throws: { error in
            (error as? SandboxPlan.Refusal)?.message.contains("this host cannot contain runs (probe said no; see `cjr doctor`)") == true
        }
        let allowed = try SandboxPlan.make(for: run(egress: .none), host: host(.unavailable, seccomp: false, netns: .unavailable, userns: false),
                                           view: Self.view, allowUnsandboxed: true)
        #expect(!allowed.contained)
        #expect(allowed.protections == ["containment:not-enforced", "egress-none:not-enforced"])
        #expect(allowed.warnings.count == 3)
    }

    @Test("uncontained without the filter, egress none takes a network namespace inside a user namespace")
    func uncontainedNetworkNamespace() throws {
        let plan = try SandboxPlan.make(for: run(egress: .none), host: host(.unavailable, seccomp: false), view: Self.view, allowUnsandboxed: true)
        #expect(plan.launcherArguments == ["--netns-userns"])
        #expect(plan.protections == ["containment:not-enforced", "network-namespace:userns"])
    }

    @Test("an environment's directories: PATH entries, the virtualenv and the Python it was made from, resolved too")
    func environmentPaths() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cjr-env-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let venv = scratch.appendingPathComponent("venv")
        try FileManager.default.createDirectory(at: venv, withIntermediateDirectories: true)
        try "home = /opt/python/3.11/bin\ninclude-system-site-packages = false\n"
            .write(to: venv.appendingPathComponent("pyvenv.cfg"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: scratch.appendingPathComponent("tools").path, withDestinationPath: "/usr/local/bin")
        let version = ExecutionEnvironmentVersion(id: "v", environmentId: "e", label: "1", description: "", created: .now(),
                                                  pathPrepend: [scratch.appendingPathComponent("tools").path], virtualEnv: venv.path)
        #expect(SandboxPlan.environmentPaths(of: version)
            == [scratch.appendingPathComponent("tools").path, venv.path, "/opt/python/3.11", "/usr/local/bin"])
        #expect(SandboxPlan.environmentPaths(of: nil).isEmpty)
    }
}
