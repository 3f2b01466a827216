import Foundation
import Testing
import CJRTestSupport
@testable import CJRRunner

/// `cjr run`'s cache of `cjr-launch --probe`, against a real launcher binary (a copy, so
/// the test can replace it as a new build would).
@Suite("The host probe's cache")
struct HostProbeCacheTests {
    @Test("the answers are reused while the fingerprint holds; a new launcher, or a torn file, means a fresh probe")
    func reuse() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let launcher = scratch.url.appendingPathComponent("cjr-launch").path
        try FileManager.default.copyItem(atPath: try LauncherBinary.locate(override: nil), toPath: launcher)
        let file = scratch.url.appendingPathComponent("host-probe")

        let probed = SandboxHost.detect(launcher: launcher)
        let first = SandboxHost.detect(launcher: launcher, cache: file)
        #expect(first.seccomp == probed.seccomp && first.containment == probed.containment
            && first.networkNamespace == probed.networkNamespace && first.userNamespaces == probed.userNamespaces)
        guard probed.seccomp, probed.containment != .unavailable, probed.networkNamespace != .unavailable, probed.userNamespaces else {
            #expect(!FileManager.default.fileExists(atPath: file.path), "a host lacking a protection is probed every time")
            return
        }
        let kept = try String(contentsOf: file, encoding: .utf8)
        #expect(kept.hasPrefix(HostProbeCache.fingerprint(launcher: launcher) + "\n") && kept.hasSuffix("\nend"), "\(kept)")

        // What the file says is what a start believes: proof that no probe ran.
        let flipped = probed.seccomp ? ("seccomp=yes", "seccomp=no") : ("seccomp=no", "seccomp=yes")
        try kept.replacingOccurrences(of: flipped.0, with: flipped.1).write(to: file, atomically: true, encoding: .utf8)
        #expect(SandboxHost.detect(launcher: launcher, cache: file).seccomp == !probed.seccomp)

        // Kept an hour at most.
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-HostProbeCache.lifetime - 60)], ofItemAtPath: file.path)
        #expect(SandboxHost.detect(launcher: launcher, cache: file).seccomp == probed.seccomp, "an hour-old file is a miss")
        try kept.replacingOccurrences(of: flipped.0, with: flipped.1).write(to: file, atomically: true, encoding: .utf8)

        // A rebuilt launcher (another inode, size or time) is probed again.
        try FileManager.default.removeItem(atPath: launcher)
        try FileManager.default.copyItem(atPath: try LauncherBinary.locate(override: nil), toPath: launcher)
        #expect(SandboxHost.detect(launcher: launcher, cache: file).seccomp == probed.seccomp)

        // A file cut short (no closing line) is a miss, not half an answer.
        let fingerprint = HostProbeCache.fingerprint(launcher: launcher)
        try "\(fingerprint)\n\(flipped.1)\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(SandboxHost.detect(launcher: launcher, cache: file).seccomp == probed.seccomp)
        #expect(try String(contentsOf: file, encoding: .utf8).hasSuffix("\nend"), "the fresh answers replaced the torn file")
    }

    @Test("only answers where every protection is there are kept: a \"no\" may be passing, or mended unseen")
    func keepable() {
        let all = ["seccomp": "yes", "netns": "root", "userns": "yes", "contain": "root"]
        #expect(HostProbeCache.isKeepable(all))
        #expect(HostProbeCache.isKeepable(all.merging(["netns": "userns", "contain": "userns"]) { $1 }))
        for key in all.keys {
            #expect(!HostProbeCache.isKeepable(all.merging([key: "no"]) { $1 }), "\(key)=no")
            #expect(!HostProbeCache.isKeepable(all.filter { $0.key != key }), "\(key) missing")
        }
    }

    @Test("the fingerprint follows the launcher and cjr's own confinement")
    func fingerprint() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let launcher = scratch.url.appendingPathComponent("cjr-launch").path
        try FileManager.default.copyItem(atPath: try LauncherBinary.locate(override: nil), toPath: launcher)
        let before = HostProbeCache.fingerprint(launcher: launcher)
        #expect(HostProbeCache.fingerprint(launcher: launcher) == before, "stable while nothing changes")
        for part in [try String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8).trimmingCharacters(in: .newlines),
                     try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/user"), "Seccomp:", "CapEff:"] {
            #expect(before.contains(part), "\(part) is not in \(before)")
        }
        var times = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, launcher, &times, 0) == 0)
        #expect(HostProbeCache.fingerprint(launcher: launcher) != before, "a launcher with another time is another launcher")
    }
}
