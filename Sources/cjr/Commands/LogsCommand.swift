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
        var sent: Int64 = 0
        while true {
            let state = try await store.logState(jobId: found.customJobId, runId: found.id)
            if state.committedBytes < sent { sent = 0 } // the log was deleted and began again
            if state.committedBytes > sent, let handle = try? FileHandle(forReadingFrom: state.file) {
                defer { try? handle.close() }
                try handle.seek(toOffset: UInt64(sent))
                var remaining = state.committedBytes - sent
                while remaining > 0, let piece = try handle.read(upToCount: Int(min(remaining, 1 << 20))), !piece.isEmpty {
                    try? FileHandle.standardOutput.write(contentsOf: piece)
                    remaining -= Int64(piece.count)
                }
                sent = state.committedBytes - remaining
            }
            guard follow, !state.runEnded else { break }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
