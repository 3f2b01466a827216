import ArgumentParser
import Foundation
import CJRRunner

/// `--executor` and the Slurm cluster's options, shared by `cjr serve` and `cjr doctor`.
struct SlurmOptions: ParsableArguments {
    @Option(name: .customLong("executor"), help: "Where runs execute: local (this machine) or slurm (a Slurm cluster, through slurmrestd).")
    var executor = "local"

    @Option(name: .customLong("slurm-url"), help: "With --executor slurm: slurmrestd's URL, e.g. http://127.0.0.1:6820.")
    var slurmURL: String?

    @Option(name: .customLong("slurm-user"), help: "With --executor slurm: the user jobs run as (X-SLURM-USER-NAME).")
    var slurmUser = "root"

    @Option(name: .customLong("slurm-token-file"), help: "With --executor slurm: a file holding the JWT (`scontrol token`), read at each request.")
    var slurmTokenFile: String?

    @Option(name: .customLong("slurm-partition"), help: "With --executor slurm: the partition runs go to (default: the cluster's).")
    var slurmPartition: String?

    @Option(name: .customLong("shared-dir"), help: "With --executor slurm: a directory every node sees at the same path; runs' working directories and output live there.")
    var sharedDirectory: String?

    func validate() throws {
        switch executor {
        case "local":
            break
        case "slurm":
            guard let slurmURL, slurmURL.hasPrefix("http://") || slurmURL.hasPrefix("https://") else {
                throw ValidationError("--executor slurm needs --slurm-url, slurmrestd's http(s):// URL")
            }
            guard let slurmTokenFile, FileManager.default.isReadableFile(atPath: slurmTokenFile) else {
                throw ValidationError("--executor slurm needs --slurm-token-file, a readable file holding a JWT (`scontrol token`)")
            }
            var isDirectory: ObjCBool = false
            guard let sharedDirectory, FileManager.default.fileExists(atPath: sharedDirectory, isDirectory: &isDirectory), isDirectory.boolValue,
                  FileManager.default.isWritableFile(atPath: sharedDirectory) else {
                throw ValidationError("--executor slurm needs --shared-dir, a writable directory every node sees at the same path")
            }
        default:
            throw ValidationError("--executor must be local or slurm, got '\(executor)'")
        }
    }

    /// The cluster's settings with `--executor slurm`; nil for local runs.
    var settings: SlurmSettings? {
        guard executor == "slurm", let slurmURL, let slurmTokenFile, let sharedDirectory else { return nil }
        return SlurmSettings(url: slurmURL, user: slurmUser, tokenFile: URL(fileURLWithPath: slurmTokenFile), partition: slurmPartition,
                             sharedDirectory: URL(fileURLWithPath: sharedDirectory).standardizedFileURL)
    }
}
