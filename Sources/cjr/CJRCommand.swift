import ArgumentParser

/// `cjr`: run DataRobot custom jobs locally.
///
/// Every command, subcommands included, names itself (`commandName:`): ArgumentParser
/// otherwise derives each name from its type with `String(describing:)` while it builds the
/// command tree at every start, a scan of the binary's protocol conformances per command
/// (3 ms of each `cjr` invocation; BENCHMARKS.md).
@main
struct CJRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cjr",
        abstract: "A local runner for DataRobot custom jobs, with the platform's REST API.",
        version: "0.1.0",
        subcommands: [RunCommand.self, CheckCommand.self, LogsCommand.self, PruneCommand.self, ServeCommand.self, PsCommand.self, JobsCommand.self,
                      RunsCommand.self, SchedulesCommand.self,
                      LimitsCommand.self,
                      TemplatesCommand.self, DoctorCommand.self, TokenCommand.self, EnvironmentsCommand.self,
                      UsersCommand.self, GroupsCommand.self, TokensCommand.self, CredentialsCommand.self]
    )
}
