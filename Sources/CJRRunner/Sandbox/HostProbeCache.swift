import CJRModel
import Foundation

/// `cjr-launch --probe`'s answers kept in a file for as long as nothing they follow from
/// has changed, so that `cjr run` does not fork namespaces to learn what it learned a
/// moment ago. The file's first line is a fingerprint of everything the probe depends on:
/// the boot, the launcher binary, cjr's identity, namespaces, capabilities and seccomp
/// state, and the sysctls that switch namespaces on and off. Any change, and the host is
/// probed again.
///
/// Only answers where everything is available are kept, and for an hour at most: a "no"
/// may be passing (a fork refused near `pids.max`, user namespaces exhausted for a
/// moment) or mended by what no fingerprint sees (an AppArmor profile loaded for the
/// launcher), and must not outlive its cause. A kept "yes" that stops holding shows at
/// the next launch, which fails saying why. (A cache, not a record: a foreign or torn
/// file is simply a miss.)
struct HostProbeCache {
    let file: URL
    static let lifetime: TimeInterval = 3_600

    /// The cached answers, if the file was written under the same `fingerprint` within
    /// the last ``lifetime``.
    func answers(for fingerprint: String) -> [String: String]? {
        var info = stat()
        guard stat(file.path, &info) == 0, Double(info.st_mtim.tv_sec) > Date().timeIntervalSince1970 - Self.lifetime,
              let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first.map(String.init) == fingerprint, lines.last == "end" else { return nil }
        return Self.parse(lines.dropFirst().dropLast().joined(separator: "\n"))
    }

    /// Whether answers are worth keeping: every protection the probe asks about is there.
    static func isKeepable(_ answers: [String: String]) -> Bool {
        ["seccomp", "netns", "userns", "contain"].allSatisfy { answers[$0].map { $0 != "no" } ?? false }
    }

    /// Keeps `output` (the probe's lines) under `fingerprint`. FileManager writes the file
    /// aside and renames it into place, so a reader sees the old file or the new one.
    func keep(_ output: String, for fingerprint: String) {
        let text = fingerprint + "\n" + output.trimmingCharacters(in: .newlines) + "\nend"
        _ = FileManager.default.createFile(atPath: file.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
    }

    /// `name=value` lines.
    static func parse(_ output: String) -> [String: String] {
        var answers: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { answers[String(parts[0])] = String(parts[1]) }
        }
        return answers
    }

    /// Everything the probe's answers follow from, on one line.
    static func fingerprint(launcher: String) -> String {
        func read(_ path: String) -> String {
            (try? String(contentsOfFile: path, encoding: .utf8))?.trimmed ?? "-"
        }
        var parts = ["v1", read("/proc/sys/kernel/random/boot_id")]
        var info = stat()
        if stat(launcher, &info) == 0 {
            parts.append("\(launcher):\(info.st_dev):\(info.st_ino):\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)")
        } else {
            parts.append("\(launcher):missing")
        }
        parts.append("\(geteuid()):\(getegid())")
        for namespace in ["user", "mnt", "pid", "net", "ipc", "cgroup"] {
            parts.append((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/\(namespace)")) ?? "-")
        }
        let status = read("/proc/self/status").split(separator: "\n").filter { line in
            ["NoNewPrivs:", "Seccomp:", "Seccomp_filters:", "CapEff:", "CapBnd:"].contains { line.hasPrefix($0) }
        }
        parts += status.map { $0.replacingOccurrences(of: "\t", with: "") }
        for sysctl in ["kernel/unprivileged_userns_clone", "kernel/apparmor_restrict_unprivileged_userns", "user/max_user_namespaces",
                       "user/max_net_namespaces", "user/max_mnt_namespaces", "user/max_pid_namespaces", "kernel/seccomp/actions_avail"] {
            parts.append(read("/proc/sys/" + sysctl))
        }
        parts.append(read("/proc/self/attr/current")) // an AppArmor or SELinux confinement of cjr itself
        return parts.joined(separator: " ").replacingOccurrences(of: "\n", with: " ")
    }
}
