import ArgumentParser
import Foundation
import CJRModel

/// `--profile NAME`, shared by `cjr run`, `cjr serve` and `cjr check`; without it, the
/// `profile:` of the config file (``CLIConfig``). `--profile none` sets none.
struct ProfileOption: ParsableArguments {
    @Option(name: .customLong("profile"), help: "Apply a platform's defaults for custom jobs: datarobot (1 GiB, 1 CPU, 1800 s, a 10 MiB log, 10 MiB of files, one run at a time per user); none for none (default: the profile: of ~/.config/cjr/config.yaml, if any).")
    var name: String?

    var profile: PlatformProfile? {
        get throws {
            let config = try CLIConfig.load()
            guard let chosen = name ?? config.profile, chosen != "none" else { return nil }
            do {
                return try PlatformProfile.named(chosen)
            } catch {
                // From the file, the setting is `profile`, not the option.
                throw ValidationError(name == nil ? "\(config.path): " + error.message.replacingOccurrences(of: "--profile: ", with: "profile: ")
                                      : error.message)
            }
        }
    }
}
