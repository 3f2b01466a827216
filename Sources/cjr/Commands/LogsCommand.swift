import ArgumentParser
import Foundation
import CJRModel
import CJRStore

/// `cjr logs RUN`: a run's log read from the data directory itself, no server needed (the
/// runs of `cjr run` included); `--follow` until the run ends.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print a run's log from the data directory (no server needed); --follow until it ends.",
        discussion: "RUN is the run's ID or a unique start of it (4 characters or more). Through a server, `cjr runs logs JOB RUN` does the same."
    )

    @Argument(help: "The run's ID, or a unique start of it.") var run: String
    @Flag(help: "Keep printing new output until the run ends.") var follow = false
    @OptionGroup var dataDirectory: DataDirectoryOption

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let store = try RunStore(directory: dataDirectory.directory)
        let found: CustomJobRun
        do {
            found = try await store.run(idOrPrefix: run)
        } catch let error as CJRError {
            try? FileHandle.standardError.write(contentsOf: Data("cjr: \(error.message)\n".utf8))
            throw ExitCode.failure
        }
        try await StoreLogFollower(store: store).copy(jobId: found.customJobId, runId: found.id, follow: follow)
    }
}
