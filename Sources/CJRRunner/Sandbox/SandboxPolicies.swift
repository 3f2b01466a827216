import Foundation

/// The seccomp policy files (`sandbox/seccomp/*.policy`), read by `cjr-launch` at each run.
///
/// Looked for in `$CJR_SECCOMP_DIR`, then `seccomp/` next to the `cjr` executable (an
/// installed copy), then the checkout cjr was built from.
public struct SandboxPolicies: Sendable, Equatable {
    public let directory: URL

    static let defaultProfile = "default.policy"
    static let egressNone = "egress-none.policy"

    public var defaultProfile: String { directory.appendingPathComponent(Self.defaultProfile).path }
    public var egressNone: String { directory.appendingPathComponent(Self.egressNone).path }

    static let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("sandbox/seccomp")

    public static func locate(override: String? = ProcessInfo.processInfo.environment["CJR_SECCOMP_DIR"]) -> SandboxPolicies? {
        var candidates: [URL] = []
        if let override { candidates.append(URL(fileURLWithPath: override)) }
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("seccomp"))
        }
        candidates.append(checkout)
        return candidates.lazy.map(SandboxPolicies.init(directory:)).first { policies in
            FileManager.default.isReadableFile(atPath: policies.defaultProfile)
                && FileManager.default.isReadableFile(atPath: policies.egressNone)
        }
    }
}
