import ArgumentParser
import Foundation
import Yams
import CJRModel

/// The command line's defaults for options not given: `$CJR_CONFIG`, else
/// `$XDG_CONFIG_HOME/cjr/config.yaml` (`~/.config/cjr/config.yaml`). A missing file is no
/// defaults; a file with an unknown key or a bad value is an error naming the file.
///
/// ```yaml
/// profile: datarobot   # as --profile datarobot on cjr run, serve and check
/// ```
struct CLIConfig {
    static let keys = ["profile"]

    var profile: String?
    var path: String

    static var location: String {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["CJR_CONFIG"], !explicit.isEmpty { return explicit }
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        return base + "/cjr/config.yaml"
    }

    static func load(from path: String = location) throws -> CLIConfig {
        var config = CLIConfig(path: path)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            if FileManager.default.fileExists(atPath: path) { throw ValidationError("\(path): cannot be read as UTF-8 text") }
            return config
        }
        let loaded: Any?
        do {
            loaded = try Yams.load(yaml: text)
        } catch {
            throw ValidationError("\(path): not valid YAML: \(ErrorText.describe(error))")
        }
        guard let mapping = loaded as? [String: Any] else {
            if loaded == nil { return config } // an empty file
            throw ValidationError("\(path): must be a mapping of settings, e.g. 'profile: datarobot'")
        }
        for key in mapping.keys.sorted() where !keys.contains(key) {
            throw ValidationError("\(path): unknown setting '\(key)'\(Suggestion.phrase(for: key, among: keys)); known: \(keys.joined(separator: ", "))")
        }
        if let value = mapping["profile"] {
            guard let name = value as? String else { throw ValidationError("\(path): profile must be a name, e.g. 'profile: datarobot'") }
            config.profile = name
        }
        return config
    }
}
