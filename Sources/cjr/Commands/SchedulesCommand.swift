import ArgumentParser
import Foundation
import CJRClient
import CJRModel

/// `cjr schedules list|add|delete`: a job's schedules on a server, written as cron text
/// (`*/5 * * * *`) and sent as the API's lists.
struct SchedulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedules",
        abstract: "List, add and delete a job's schedules (cron-timed runs).",
        subcommands: [List.self, Add.self, Delete.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List a job's schedules with their next run.")
        @Argument(help: "The job: its name, its ID or a unique start of it.") var job: String
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await withClientErrors {
                let api = try client.client()
                let jobId = try await References(api: api).job(job)
                let (items, pages) = try await api.all("customJobs/\(jobId)/schedules/", as: ScheduleView.self)
                if client.json { print(Data.mergedPages(pages).prettyJSON); return }
                var table = TextTable("ID", "SCHEDULE", "TIME ZONE", "NEXT RUN (UTC)", "LAST RUN", "SKIPPED", "LAST ERROR")
                for item in items {
                    table.add(item.id, item.schedule.cronText ?? "?", item.timeZone ?? "server's", shortTime(item.nextRunAt),
                              item.lastRunId ?? "-", String(item.skippedFirings ?? 0), item.lastError ?? "-")
                }
                print(table.rendered)
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Run a job on a schedule.",
            discussion: """
                The schedule is cron text: minute hour day-of-month month day-of-week, each *, a value, a range \
                (1-5), a list (1,15) or a step (*/15, 9-17/2); months and weekdays also by name (JAN, MON); \
                or @hourly, @daily, @weekly, @monthly, @yearly. Quote it. When both day fields are restricted, \
                a day matching either fires, as in cron. Example: cjr schedules add JOB "30 6 * * MON-FRI" --time-zone Europe/Berlin
                """)
        @Argument(help: "The job: its name, its ID or a unique start of it.") var job: String
        @Argument(help: "When to run, as cron text (quoted).") var cron: String
        @Option(name: .customLong("time-zone"), help: "An IANA time zone the times are read in (default: the server's).") var timeZone: String?
        @Option(name: .customLong("param"), help: "A runtime parameter value for every run it starts, NAME=VALUE (repeatable).") var parameters: [String] = []
        @Option(name: .customLong("param-file"), help: "A YAML file of NAME: VALUE runtime parameter values.") var parameterFile: String?
        @OptionGroup var client: ClientOptions

        struct Body: Encodable, Sendable {
            var schedule: [String: [CronSchedule.Entry]]
            var timeZone: String?
            var parameterOverrides: [ParameterArguments.WireValue]?
        }

        func run() async throws {
            let schedule: CronSchedule
            do {
                schedule = try CronText.parse(cron)
            } catch {
                throw ValidationError(error.message)
            }
            try await withClientErrors {
                let api = try client.client()
                let jobId = try await References(api: api).job(job)
                var body = Body(schedule: [:], timeZone: timeZone)
                for field in CronSchedule.Field.allCases { body.schedule[field.rawValue] = schedule.entries(field) }
                if !parameters.isEmpty || parameterFile != nil {
                    let job = try await api.json(.get, "customJobs/\(jobId)/").decoded(as: JobView.self)
                    body.parameterOverrides = try await ParameterArguments(definitions: job.definitions,
                                                                           credential: { try await CredentialNames.resolve($0, api: api) })
                        .wireValues(pairs: parameters, file: parameterFile)
                }
                let data = try await api.json(.post, "customJobs/\(jobId)/schedules/", body: body)
                if client.json { print(data.prettyJSON); return }
                let created = try data.decoded(as: ScheduleView.self)
                print("schedule \(created.id) of job \(jobId): \(created.schedule.cronText ?? cron) (\(created.timeZone ?? "the server's time zone")), "
                      + "next run \(shortTime(created.nextRunAt)) UTC")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a schedule; the runs it started stay.")
        @Argument(help: "The job: its name, its ID or a unique start of it.") var job: String
        @Argument(help: "The schedule's ID.") var scheduleId: String
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await withClientErrors {
                let api = try client.client()
                let jobId = try await References(api: api).job(job)
                _ = try await api.json(.delete, "customJobs/\(jobId)/schedules/\(scheduleId)/")
                print("deleted schedule \(scheduleId) of job \(jobId)")
            }
        }
    }
}
