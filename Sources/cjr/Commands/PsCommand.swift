import ArgumentParser
import Foundation
import CJRClient
import CJRModel

/// Which runs `cjr ps` (and `cjr runs list`) shows.
struct RunFilterOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Every run, not only unfinished ones and the latest ends.") var all = false
    @Option(help: "Only runs in these states, comma-separated: queued, running, canceling, succeeded, failed, interrupted, canceled.")
    var status: String?
    @Option(help: "Only runs of this job (its name, its ID or a unique start of it).") var job: String?
    @Flag(help: "Redraw the list every second, in place, until Ctrl-C.") var watch = false

    /// How many ended runs the default view shows under the unfinished ones.
    static let recentEnds = 10

    func validate() throws {
        do {
            _ = try RunListFilter.State.list(status ?? "", field: "--status")
        } catch {
            throw ValidationError(error.message)
        }
    }
}

/// `cjr ps`: runs across every job you may see, newest first: queued ones with their
/// place in line, running ones with their time so far, and the latest ends.
struct PsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps",
        abstract: "List runs across jobs: queued (with their place in line), running, and the latest ends.",
        discussion: "Without --all or --status: every unfinished run, and the \(RunFilterOptions.recentEnds) latest that ended.")
    @OptionGroup var filters: RunFilterOptions
    @OptionGroup var client: ClientOptions

    func run() async throws { try await Self.show(filters, client: client) }

    static func show(_ filters: RunFilterOptions, client: ClientOptions) async throws {
        try await withClientErrors {
            let api = try client.client()
            var base = "customJobRuns/?limit=1000"
            if let job = filters.job { base += "&customJobId=\(try await References(api: api).job(job))" }
            repeat {
                var runs: [RunView] = []
                var pages: [Data] = []
                if filters.all || filters.status != nil {
                    (runs, pages) = try await api.all(base + (filters.status.map { "&status=\($0)" } ?? ""), as: RunView.self)
                } else {
                    let unfinished = try await api.all(base + "&status=queued,running,canceling", as: RunView.self)
                    let ended = try await api.json(.get, base.replacingOccurrences(of: "limit=1000", with: "limit=\(RunFilterOptions.recentEnds)")
                                                   + "&status=succeeded,failed,interrupted,canceled")
                    runs = (unfinished.items + (try ended.decoded(as: ListView<RunView>.self).data)).sorted { $0.created > $1.created }
                    pages = unfinished.pages + [ended]
                }
                let text = client.json ? Data.mergedPages(pages).prettyJSON : (runs.isEmpty ? "no runs" : table(runs))
                if filters.watch {
                    // Home, clear, then the list: redrawn in place like `watch`; written at
                    // once (print's buffer would hold it back when stdout is a pipe).
                    let screen = "\u{1B}[H\u{1B}[2J" + "every 1 s, Ctrl-C to stop · \(shortTime(Timestamp.now().iso8601)) UTC\n\n" + text + "\n"
                    try FileHandle.standardOutput.write(contentsOf: Data(screen.utf8))
                    try await Task.sleep(for: .seconds(1))
                } else {
                    print(text)
                }
            } while filters.watch
        }
    }

    static func table(_ runs: [RunView]) -> String {
        var table = TextTable("ID", "JOB", "STATUS", "EXIT", "TIME", "CREATED", "DESCRIPTION")
        for run in runs {
            let time = run.startedAt == nil ? "-" : String(format: "%.1f s", run.duration)
            table.add(run.id, run.customJobName ?? run.customJobId, status(run), run.exitCode.map(String.init) ?? "-", time,
                      shortTime(run.created), run.description ?? "")
        }
        return table.rendered
    }

    /// `queued (3rd)`, `queued` (in a cluster's queue), `running`, `failed (exit 3)`, `failed (timeout)`, …
    static func status(_ run: RunView) -> String {
        if let position = run.queuePosition, run.status == RunStatus.running.rawValue { return "queued (\((position + 1).ordinal))" }
        if run.startedAt == nil, run.status == RunStatus.running.rawValue { return "queued" }
        guard run.status == RunStatus.failed.rawValue, let reason = run.endReason.flatMap(RunEndReason.init(rawValue:)) else { return run.status }
        return "failed (\(reason.words(exitCode: run.exitCode, signal: run.signal)))"
    }
}
