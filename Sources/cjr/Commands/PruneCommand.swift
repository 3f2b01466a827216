import ArgumentParser
import Foundation
import CJRModel
import CJRStore

/// `cjr prune`: old runs, their logs and files, and long-deleted jobs out of a data directory.
struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove ended runs (records, logs, file snapshots) and long-deleted jobs, and report the space freed.",
        discussion: "Without options: runs that ended more than 7 days ago. Runs not ended are never touched; "
            + "a server may keep running on the same data directory."
    )

    @OptionGroup var dataDirectory: DataDirectoryOption

    @Option(name: .customLong("older-than"), help: "Runs that ended, and jobs deleted, longer ago than this: 90m, 12h, 7d, 2w…")
    var olderThan: String?

    @Option(help: "Keep this many of each job's newest runs, whatever their age.")
    var keep: Int?

    func validate() throws {
        if let keep, keep < 0 { throw ValidationError("--keep must be 0 or more") }
        if let olderThan { _ = try TokensCommand.Create.seconds(of: olderThan) }
    }

    func run() async throws {
        let age = try (olderThan ?? (keep == nil ? "7d" : nil)).map(TokensCommand.Create.seconds(of:))
        // An age beyond the epoch means everything (and must not overflow).
        let cutoff = age.map { Timestamp(microseconds: Timestamp.now().microseconds - min($0, Timestamp.now().microseconds / 1_000_000) * 1_000_000) }
        let store = try RunStore(directory: dataDirectory.directory, sweep: .atOpen)
        let report = try await store.prune(endedBefore: cutoff, keep: keep)
        let freed = report.logBytes + report.blobBytes
        print("removed \(report.runs) run\(report.runs == 1 ? "" : "s") (\(Self.size(report.logBytes)) of logs), "
              + "\(report.purgedJobs) deleted job\(report.purgedJobs == 1 ? "" : "s"), "
              + "\(report.blobs) stored file\(report.blobs == 1 ? "" : "s") (\(Self.size(report.blobBytes))): \(Self.size(freed)) freed")
    }

    static func size(_ bytes: Int64) -> String { StorageFailure.size(bytes) }
}
