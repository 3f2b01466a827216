import ArgumentParser
import Foundation
import CJRRunner
import CJRStore

/// `cjr doctor`: what this host lets cjr use to contain runs, and what that means.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Show which protections this host allows for runs (containment, seccomp, network namespace, cgroups).",
        discussion: """
            cjr uses the strongest of each that is available; every run's record lists what it actually got. \
            As root, checking the cgroups creates cjr's parent cgroups (cjr/) and delegates controllers to them, \
            as the server does at start. With --executor slurm and the cluster's options (as for cjr serve) it checks \
            the cluster too: slurmrestd and its API version, the token, the partition, the shared directory, and a test \
            job that must find the shared directory, cjr-launch and the seccomp policies on its node.
            """)

    @OptionGroup var dataDirectory: DataDirectoryOption
    @OptionGroup var slurm: SlurmOptions

    /// Where the data directory is and the room it has (the nearest existing folder's, before
    /// the first start creates it).
    private var storage: String {
        var probe = dataDirectory.directory.root
        while !FileManager.default.fileExists(atPath: probe.path) && probe.path != "/" { probe.deleteLastPathComponent() }
        guard let free = StorageFailure.freeBytes(at: probe) else { return "\(dataDirectory.directory.root.path) (free space unknown)" }
        let text = "\(dataDirectory.directory.root.path), \(StorageFailure.size(free)) free"
        return free < StorageFailure.lowSpaceBytes
            ? text + ": low; below \(StorageFailure.lowSpaceBytes >> 20) MiB writes may be refused with 507 and runs' output lost"
            : text
    }

    func run() async throws {
        let host: SandboxHost
        do {
            host = try SandboxHost.detect()
        } catch {
            try? FileHandle.standardError.write(contentsOf: Data("cjr: \(ErrorText.describe(error))\n".utf8))
            throw ExitCode.failure
        }
        print("user               uid \(getuid())\(getuid() == 0 ? " (root)" : "")")
        for (name, value) in host.report() + [("data directory", storage)] {
            print(name.padding(toLength: 19, withPad: " ", startingAt: 0) + value)
        }
        guard let settings = slurm.settings else { return }
        print("\nSlurm cluster")
        let findings = await SlurmCheck.report(settings, launcher: try? LauncherBinary.locate(override: nil), policies: host.policies?.directory)
        for finding in findings {
            let mark = finding.ok.map { $0 ? "ok " : "NO " } ?? "?  "
            print(mark + finding.name.padding(toLength: 17, withPad: " ", startingAt: 0) + finding.detail)
        }
        if findings.contains(where: { $0.ok == false }) { throw ExitCode.failure }
    }
}
