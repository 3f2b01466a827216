import Foundation
import CJRModel

/// Finds `cjr-launch`, which SwiftPM builds next to `cjr` (and next to the test bundle).
public enum LauncherBinary {
    static let name = "cjr-launch"

    public static func locate(override: String?) throws -> String {
        var candidates: [String] = []
        if let override { candidates.append(override) }
        if let environment = ProcessInfo.processInfo.environment["CJR_LAUNCHER"] { candidates.append(environment) }
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(name).path)
        }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path)
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        throw CJRError(.notFound, "\(name) not found (looked in: \(candidates.joined(separator: ", "))); build it with `swift build` or set CJR_LAUNCHER")
    }
}
