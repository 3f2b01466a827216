import ArgumentParser
import Foundation
import CJRCheck
import CJRModel

/// `cjr check DIR`: a job folder's problems, all at once, before it is uploaded or run.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a job folder for what would fail on the platform (or under cjr run), without running it.",
        discussion: """
            Prints path:line:col: error|warning: … with a hint under each. `cjr run` and \
            `cjr jobs create|update` run the same check first and refuse a folder with errors. \
            Exit codes: 0 no errors (warnings allowed), 1 warnings with --strict, \
            \(FolderGate.refusedExitCode) errors (cjr's "refused before running", as docker run's 125).
            """
    )

    @Argument(help: "The job folder.")
    var directory: String

    @Option(name: .customLong("entry-point"), help: "The entry point's path inside the folder (default: run.sh).")
    var entryPoint: String?

    @Flag(help: "Exit 1 when there are warnings (and no errors).")
    var strict = false

    @OptionGroup var profile: ProfileOption

    func run() throws {
        let report = FolderCheck(root: URL(fileURLWithPath: directory), entryPoint: entryPoint, profile: try profile.profile).run()
        print(report.rendered(folder: directory), terminator: "")
        if !report.errors.isEmpty { throw ExitCode(FolderGate.refusedExitCode) }
        if strict && !report.warnings.isEmpty { throw ExitCode.failure }
    }
}

/// The check `cjr run` and the upload commands make before anything else: the report on
/// stderr when there is anything to say, and exit ``refusedExitCode`` on errors.
enum FolderGate {
    /// "Refused before running": a code apart from cjr's others for a run (the job's
    /// status, 128+N for a signal, 124 on timeout, 130 when interrupted) and one jobs rarely
    /// use, as docker run uses 125 for its own failures. A job that exits 125 itself looks
    /// the same by its code; a refusal always prints its `error:` lines first.
    static let refusedExitCode: Int32 = 125

    static func check(_ directory: String, entryPoint: String?, entryPointRequired: Bool = true, profile: PlatformProfile? = nil) throws {
        let report = FolderCheck(root: URL(fileURLWithPath: directory), entryPoint: entryPoint, entryPointRequired: entryPointRequired,
                                 profile: profile).run()
        if !report.diagnostics.isEmpty {
            try? FileHandle.standardError.write(contentsOf: Data(report.rendered(folder: directory).utf8))
        }
        if !report.errors.isEmpty { throw ExitCode(refusedExitCode) }
    }
}
