import ArgumentParser
import CJRModel

/// `--profile NAME`, shared by `cjr run`, `cjr serve` and `cjr check`.
struct ProfileOption: ParsableArguments {
    @Option(name: .customLong("profile"), help: "Apply a platform's defaults for custom jobs: datarobot (1 GiB, 1 CPU, 1800 s, a 10 MiB log, 10 MiB of files, one run at a time per user).")
    var name: String?

    var profile: PlatformProfile? {
        get throws {
            do {
                return try name.map(PlatformProfile.named)
            } catch {
                throw ValidationError(error.message)
            }
        }
    }
}
