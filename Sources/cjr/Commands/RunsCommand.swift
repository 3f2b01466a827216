import ArgumentParser
import Foundation
import CJRClient
import CJRModel
import UnixSignals

/// `cjr runs …`: runs of a custom job on a running server.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Start, list, show and cancel runs, and read their logs, on a running server.",
        subcommands: [Start.self, List.self, Show.self, Cancel.self, Logs.self]
    )

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "start",
            abstract: "Start a run of a job.",
            discussion: """
                With --wait, streams the run's output until it ends and exits like `cjr run`: the job's exit code, \
                124 on timeout, 130 when canceled or interrupted (with --json, prints only the ended run's JSON). Ctrl-C stops waiting; the run goes on \
                (`cjr runs cancel` stops it).
                """)
        @Argument(help: "The job: its name, its ID or a unique start of it.") var job: String
        @Option(name: .customLong("param"), help: "A runtime parameter value for this run, NAME=VALUE (repeatable).") var parameters: [String] = []
        @Option(name: .customLong("param-file"), help: "A YAML file of NAME: VALUE runtime parameter values.") var parameterFile: String?
        @Option(help: "The run's description.") var description: String?
        @Flag(help: "Stream the run's output and wait for it to end.") var wait = false
        @OptionGroup var client: ClientOptions

        struct Body: Encodable, Sendable {
            var description: String?
            var runtimeParameterValues: String?
        }

        func run() async throws {
            var exitCode: Int32 = 0
            try await withClientErrors {
                let api = try client.client()
                let jobId = try await References(api: api).job(job)
                var body = Body(description: description)
                if !parameters.isEmpty || parameterFile != nil {
                    let job = try await api.json(.get, "customJobs/\(jobId)/").decoded(as: JobView.self)
                    body.runtimeParameterValues = try await ParameterArguments(definitions: job.definitions, credential: { try await CredentialNames.resolve($0, api: api) })
                        .json(pairs: parameters, file: parameterFile)
                }
                let data = try await api.json(.post, "customJobs/\(jobId)/runs/", body: body)
                let started = try data.decoded(as: RunView.self)
                guard wait else {
                    print(client.json ? data.prettyJSON : "started run \(started.id) of job \(jobId)")
                    return
                }
                // Ctrl-C stops waiting, not the run: say so, and how to stop it.
                let signals = await UnixSignalsSequence(trapping: .sigint)
                let interrupt = Task {
                    for await _ in signals {
                        try? FileHandle.standardError.write(contentsOf: Data(
                            "\ncjr: stopped waiting; run \(started.id) goes on (`cjr runs cancel \(jobId) \(started.id)` stops it)\n".utf8))
                        Foundation.exit(130)
                    }
                }
                defer { interrupt.cancel() }
                var current = started
                var said: Int?
                while current.queuePosition != nil, !current.isFinal {
                    if said != current.queuePosition {
                        said = current.queuePosition
                        try? FileHandle.standardError.write(contentsOf: Data(
                            "cjr: run \(started.id) of job \(jobId) queued, position \((current.queuePosition ?? 0) + 1)\n".utf8))
                    }
                    try await Task.sleep(for: .milliseconds(250))
                    current = try await api.json(.get, "customJobs/\(jobId)/runs/\(started.id)/").decoded(as: RunView.self)
                }
                try? FileHandle.standardError.write(contentsOf: Data("cjr: run \(started.id) of job \(jobId) started\n".utf8))
                // With --json, stdout is the run's JSON alone (`cjr runs logs` has the output).
                if !client.json {
                    try await api.stream("customJobs/\(jobId)/runs/\(started.id)/logs/?follow=true", to: .standardOutput)
                }
                var final = try await api.json(.get, "customJobs/\(jobId)/runs/\(started.id)/")
                while !(try final.decoded(as: RunView.self)).isFinal { // the log ends as the run does; its record follows
                    try await Task.sleep(for: .milliseconds(100))
                    final = try await api.json(.get, "customJobs/\(jobId)/runs/\(started.id)/")
                }
                let run = try final.decoded(as: RunView.self)
                if client.json { print(final.prettyJSON) } else { try? FileHandle.standardError.write(contentsOf: Data((RunDescription.summary(run) + "\n").utf8)) }
                exitCode = RunDescription.exitCode(of: run)
            }
            if exitCode != 0 { throw ExitCode(exitCode) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List a job's runs, newest first; without a job, runs across jobs as `cjr ps` does.")
        @Argument(help: "The job: its name, its ID or a unique start of it (default: every job, as `cjr ps`).") var job: String?
        @OptionGroup var filters: RunFilterOptions
        @OptionGroup var client: ClientOptions

        func run() async throws {
            var filters = filters
            if let job { filters.job = job; filters.all = true }
            try await PsCommand.show(filters, client: client)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one run.")
        @OptionGroup var target: RunArguments
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await withClientErrors {
                let api = try client.client()
                let (jobId, runId) = try await target.resolve(api)
                let data = try await api.json(.get, "customJobs/\(jobId)/runs/\(runId)/")
                print(client.json ? data.prettyJSON : RunDescription.text(try data.decoded(as: RunView.self)))
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a run: its processes get SIGTERM, then SIGKILL after the grace period.")
        @OptionGroup var target: RunArguments
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await withClientErrors {
                let api = try client.client()
                let (jobId, runId) = try await target.resolve(api)
                _ = try await api.json(.delete, "customJobs/\(jobId)/runs/\(runId)/")
                // Wait (a while) for the processes to be gone, so "canceled" means it.
                var data = try await api.json(.get, "customJobs/\(jobId)/runs/\(runId)/")
                let deadline = ContinuousClock.now + .seconds(60)
                while !(try data.decoded(as: RunView.self)).isFinal && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    data = try await api.json(.get, "customJobs/\(jobId)/runs/\(runId)/")
                }
                print(client.json ? data.prettyJSON : "run \(runId): \(try data.decoded(as: RunView.self).status)")
            }
        }
    }

    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "logs", abstract: "Print a run's output (stdout and stderr, in order).")
        @OptionGroup var target: RunArguments
        @Flag(name: .shortAndLong, help: "Keep printing new output until the run ends.") var follow = false
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await withClientErrors {
                let api = try client.client()
                let (jobId, runId) = try await target.resolve(api)
                if client.json {
                    guard !follow else { throw ClientError("--json prints the log so far as one JSON object; it does not combine with --follow") }
                    let log: String
                    do {
                        log = String(decoding: try await api.json(.get, "customJobs/\(jobId)/runs/\(runId)/logs/"), as: UTF8.self)
                    } catch let error as ClientError where error.status == 404 && error.description.hasSuffix("No log found") {
                        log = ""
                    }
                    struct LogOutput: Encodable { var customJobId, runId, log: String }
                    return try JSONOutputOption().print(LogOutput(customJobId: jobId, runId: runId, log: log))
                }
                let path = "customJobs/\(jobId)/runs/\(runId)/logs/" + (follow ? "?follow=true" : "")
                do {
                    try await api.stream(path, to: .standardOutput)
                } catch let error as ClientError where error.status == 404 && error.description.hasSuffix("No log found") {
                    try? FileHandle.standardError.write(contentsOf: Data("cjr: run \(runId) has no output yet\n".utf8))
                }
            }
        }
    }
}

/// `[JOB] RUN` as typed: the run by its ID or a unique start of it, optionally after its
/// job (name, ID or a unique start of it).
struct RunArguments: ParsableArguments {
    @Argument(help: "The run (its ID or a unique start of it), or its job (name or ID) when the run follows.") var first: String
    @Argument(help: "The run, when the job comes first.") var second: String?

    func resolve(_ api: ServerClient) async throws -> (jobId: String, runId: String) {
        let references = References(api: api)
        guard let second else { return try await references.run(first, job: nil) }
        return try await references.run(second, job: try await references.job(first))
    }
}

/// How a run is shown: one line for a summary, key/value lines for `show`.
enum RunDescription {
    static func summary(_ run: RunView) -> String {
        summary(status: run.status, endReason: run.endReason, exitCode: run.exitCode, duration: run.duration, runId: run.id,
                jobId: run.customJobId)
    }

    /// The line `cjr run` ends with, from the run's own record (not its JSON read back).
    static func summary(_ run: CustomJobRun) -> String {
        summary(status: run.status.rawValue, endReason: run.endReason?.rawValue, exitCode: run.exitCode, duration: run.duration(),
                runId: run.id, jobId: run.customJobId)
    }

    private static func summary(status: String, endReason: String?, exitCode: Int?, duration: Double, runId: String, jobId: String) -> String {
        let exit = exitCode.map { "exit \($0)" } ?? "no exit code"
        return "cjr: \(status) (\(endReason ?? "-"), \(exit)) in \(duration.text(decimals: 2)) s · run \(runId) of job \(jobId)"
    }

    static func text(_ run: RunView) -> String {
        var lines = [
            "run          \(run.id)",
            "job          \(run.customJobId)",
            "status       \(run.status)" + (run.queuePosition.map { " (queued, position \($0 + 1))" } ?? ""),
            "exit code    \(run.exitCode.map(String.init) ?? "-")" + (run.signal.map { " (signal \($0))" } ?? ""),
            "ended by     \(run.endReason ?? "-")",
            "duration     \(String(format: "%.2f s", run.duration))",
            "created      \(shortTime(run.created))",
            "log          \(run.logSize.map { "\($0) bytes" } ?? "-")",
        ]
        if let description = run.description, !description.isEmpty { lines.append("description  \(description)") }
        return lines.joined(separator: "\n")
    }

    /// The same mapping as `cjr run`.
    static func exitCode(of run: RunView) -> Int32 {
        run.endReason.flatMap(RunEndReason.init(rawValue:))?.commandExitCode(jobExitCode: run.exitCode) ?? 1
    }
}

/// How a job is shown by `cjr jobs show`.
struct JobDescription {
    let job: JobView
    init(_ job: JobView) { self.job = job }

    var text: String {
        var lines = [
            "job          \(job.id)",
            "name         \(job.name)",
            "type         \(job.jobType ?? "-")",
            "entry point  \(job.entryPointPath ?? "none")",
            "egress       \(job.resources?.egressNetworkPolicy ?? "-")",
            "environment  \(job.environmentId ?? "-")",
            "created      \(shortTime(job.created))",
            "last run     \(shortTime(job.lastRun))",
        ]
        if let description = job.description, !description.isEmpty { lines.append("description  \(description)") }
        lines.append("")
        var files = TextTable("FILE", "ITEM ID")
        for item in job.items { files.add(item.filePath, item.id) }
        lines.append(files.rendered)
        if let parameters = job.runtimeParameters, !parameters.isEmpty {
            lines.append("")
            var table = TextTable("PARAMETER", "TYPE", "CURRENT VALUE")
            for parameter in parameters { table.add(parameter.fieldName, parameter.type, parameter.currentValue?.description ?? "-") }
            lines.append(table.rendered)
        }
        return lines.joined(separator: "\n")
    }
}
