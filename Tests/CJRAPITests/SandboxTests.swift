import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import CJRTestSupport
import CJRAPI
import CJRRunner
import CJRStore

/// The syscalls `default.policy` denies outright, with the errno it names, read from the
/// policy file itself so the test follows the policy.
private let policyDeniedSyscalls: [(name: String, errno: String)] = {
    let policies = SandboxPolicies.locate()!
    let text = (try? String(contentsOfFile: policies.defaultProfile, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").flatMap { line -> [(String, String)] in
        let words = line.split(separator: "#").first?.split(separator: " ").map(String.init) ?? []
        guard words.count >= 3, words[0] == "errno", !words.contains("if") else { return [] }
        return words.dropFirst(2).map { ($0, words[1]) }
    }
}()

/// Lines `key result` printed by a probing run.sh, as a dictionary.
private func results(_ log: String) -> [String: String] {
    Dictionary(log.split(separator: "\n").compactMap { line -> (String, String)? in
        guard let space = line.firstIndex(of: " ") else { return nil }
        return (String(line[..<space]), String(line[line.index(after: space)...]))
    }, uniquingKeysWith: { first, _ in first })
}

/// A run.sh that tries every kind of socket; TCP goes to this very API server on loopback.
private let networkScript = """
    P=\(sandboxProbe)
    hostport=${DATAROBOT_ENDPOINT#http://}; hostport=${hostport%%/*}
    echo "tcp $($P tcp 127.0.0.1 ${hostport##*:})"
    for kind in udp raw packet netlink unix; do echo "$kind $($P $kind)"; done
    $P socket32 >/dev/null; echo "socket32 exit $?"
    nsenter -t $PPID -n true 2>/dev/null && echo "escape yes" || echo "escape no"
    """

/// A server on this host, optionally with some protections taken away (as on a host
/// without them), to test each layer on its own.
/// Without containment the server allows unsandboxed runs (or it would refuse them all).
private func withSandboxServer<Value: Sendable>(
    seccomp: Bool = true, networkNamespace: Bool = true, containment: Bool = true,
    _ body: @Sendable (APIClient) async throws -> Value
) async throws -> Value {
    var configuration = TestServer().configuration
    if !seccomp || !networkNamespace || !containment {
        let detected = try SandboxHost.detect()
        configuration.sandbox = SandboxHost(seccomp: seccomp && detected.seccomp,
                                            networkNamespace: networkNamespace ? detected.networkNamespace : .unavailable,
                                            userNamespaces: networkNamespace && detected.userNamespaces,
                                            containment: containment ? detected.containment : .unavailable,
                                            policies: detected.policies, cgroups: detected.cgroups)
        configuration.runner.allowUnsandboxed = !containment
    }
    let server = TestServer(configuration: configuration)
    defer { server.removeData() }
    return try await server.run(body)
}

@Suite("The sandbox, measured from inside real runs")
struct SandboxTests {
    static let host = try! SandboxHost.detect()

    @Test("egress none: TCP to loopback, UDP, raw, packet and netlink sockets are refused, a 32-bit socket call kills; AF_UNIX works",
          .enabled(if: host.filtersSyscalls))
    func egressNone() async throws {
        try await withSandboxServer { api in
            let (run, log) = try await api.runSandboxed(networkScript, egress: "none")
            let seen = results(log)
            for kind in ["tcp", "udp", "raw", "packet", "netlink"] {
                #expect(seen[kind] == "refused: EACCES (Permission denied)", "\(kind): \(seen[kind] ?? "nothing")")
            }
            #expect(seen["unix"] == "ok")
            #expect(seen["socket32"] == "exit 159", "SIGSYS (31): non-native ABIs are killed")
            #expect(seen["escape"] == "no", "setns() back into the launcher's namespace is refused")
            let protections = run["sandbox"].array.compactMap(\.string)
            #expect(protections.contains("seccomp:default") && protections.contains("seccomp:egress-none"), "\(protections)")
            #expect(protections.contains("network-namespace") == (Self.host.containment != .unavailable), "\(protections)")
        }
    }

    @Test("egress none uncontained and without the filter: a user namespace's network namespace, which the run cannot leave",
          .enabled(if: host.userNamespaces))
    func networkNamespaceAlone() async throws {
        try await withSandboxServer(seccomp: false, containment: false) { api in
            let (run, log) = try await api.runSandboxed(networkScript, egress: "none")
            let seen = results(log)
            #expect(seen["tcp"] == "refused: ECONNREFUSED (Connection refused)", "\(log)")
            #expect(seen["escape"] == "no", "without the filter, setns() back out is what a plain namespace would allow a root job")
            #expect(run["sandbox"].array.compactMap(\.string).prefix(2) == ["containment:not-enforced", "network-namespace:userns"])
            #expect(log.contains("[cjr] this host gives runs no seccomp filter"), "the run says what it goes without")
        }
    }

    @Test("egress none with only the filter: sockets are refused by seccomp", .enabled(if: host.filtersSyscalls))
    func filterAlone() async throws {
        try await withSandboxServer(networkNamespace: false, containment: false) { api in
            let (run, log) = try await api.runSandboxed(networkScript, egress: "none")
            #expect(results(log)["tcp"] == "refused: EACCES (Permission denied)", "\(log)")
            #expect(!run["sandbox"].array.contains { $0.string?.hasPrefix("network-namespace") == true })
        }
    }

    @Test("a sandbox the launcher cannot set up fails the run as launchFailed, unlike a job that exits 126 itself")
    func setupFailure() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        // A "v1 hierarchy" that is a plain directory: the entry point cannot join it.
        var configuration = TestServer().configuration
        let detected = try SandboxHost.detect()
        configuration.sandbox = SandboxHost(seccomp: detected.seccomp, networkNamespace: detected.networkNamespace,
                                            userNamespaces: detected.userNamespaces, containment: detected.containment,
                                            policies: detected.policies,
                                            cgroups: RunCgroups(parent: nil, v1Parents: ["pids": scratch.path]))
        let server = TestServer(configuration: configuration)
        defer { server.removeData() }
        try await server.run { api in
            let (run, log) = try await api.runSandboxed("echo should not run\n", egress: "public")
            #expect(run["status"].string == "failed")
            #expect(run["endReason"].string == "launchFailed")
            #expect(run["exitCode"].isNull)
            let reason = Self.host.containment == .unavailable ? "cannot join a limit cgroup: " : "cannot contain the run: join the limit cgroup "
            #expect(log.contains("cjr-launch: \(reason)\(scratch.path)/run-"), "\(log)")
            #expect(log.hasSuffix("[cjr] the run's sandbox could not be set up (cjr-launch said why, above); the entry point never ran\n"))
            #expect(!log.contains("should not run"))
        }
        try await withSandboxServer { api in
            let (run, _) = try await api.runSandboxed("exit 126\n", egress: "public")
            #expect(run["endReason"].string == "exited")
            #expect(run["exitCode"].int == 126)
        }
    }

    @Test("egress public: the run reaches this server over loopback TCP")
    func egressPublic() async throws {
        try await withSandboxServer { api in
            let (run, log) = try await api.runSandboxed(networkScript, egress: "public")
            #expect(results(log)["tcp"] == "ok", "\(log)")
            #expect(!run["sandbox"].array.contains { $0.string == "seccomp:egress-none" })
        }
    }

    // As root, because an ordinary user is refused most of these by the kernel anyway.
    @Test("every syscall default.policy denies is refused with its errno; namespace clones too; threads still work",
          .enabled(if: host.filtersSyscalls && getuid() == 0))
    func deniedSyscalls() async throws {
        #expect(policyDeniedSyscalls.count > 40, "the policy file was read")
        let script = "P=\(sandboxProbe)\n"
            + policyDeniedSyscalls.map { #"echo "\#($0.name) $($P syscall \#($0.name))""# }.joined(separator: "\n") + "\n"
            + ["newns", "newuts", "newipc", "newuser", "newpid", "newnet", "newcgroup"]
                .map { #"echo "clone-\#($0) $($P clone \#($0))""# }.joined(separator: "\n") + "\n"
            + "echo \"thread $($P thread)\"\necho \"spawn $($P spawn)\"\n"
        try await withSandboxServer { api in
            let (run, log) = try await api.runSandboxed(script, egress: "public")
            #expect(run["status"].string == "succeeded")
            let seen = results(log)
            for (name, errno) in policyDeniedSyscalls {
                #expect(seen[name]?.hasPrefix("refused: \(errno) ") == true, "\(name): \(seen[name] ?? "nothing")")
            }
            for flag in ["newns", "newuts", "newipc", "newuser", "newpid", "newnet", "newcgroup"] {
                #expect(seen["clone-\(flag)"]?.hasPrefix("refused: EPERM ") == true, "clone \(flag): \(seen["clone-\(flag)"] ?? "nothing")")
            }
            #expect(seen["thread"] == "ok")
            #expect(seen["spawn"] == "ok")
        }
    }
}
