import ArgumentParser
import Foundation
import CJRRunner

/// `cjr doctor`: what this host lets cjr use to contain runs, and what that means.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Show which protections this host allows for runs (containment, seccomp, network namespace, cgroups).",
        discussion: """
            cjr uses the strongest of each that is available; every run's record lists what it actually got. \
            As root, checking the cgroups creates cjr's parent cgroups (cjr/) and delegates controllers to them, \
            as the server does at start.
            """)

    func run() async throws {
        let host: SandboxHost
        do {
            host = try SandboxHost.detect()
        } catch {
            FileHandle.standardError.write(Data("cjr: \(error)\n".utf8))
            throw ExitCode.failure
        }
        print("user               uid \(getuid())\(getuid() == 0 ? " (root)" : "")")
        for (name, value) in host.report() {
            print(name.padding(toLength: 19, withPad: " ", startingAt: 0) + value)
        }
    }
}
