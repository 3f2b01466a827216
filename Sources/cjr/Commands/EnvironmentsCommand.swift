import ArgumentParser
import Foundation
import CJRModel
import CJRStore

/// `cjr environments add|list`: the local execution environments jobs can name.
struct EnvironmentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "environments",
        abstract: "Manage local execution environments.",
        subcommands: [List.self, Add.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List environments and their versions.")

        @OptionGroup var dataDirectory: DataDirectoryOption
        @OptionGroup var output: JSONOutputOption

        struct Item: Encodable {
            struct Version: Encodable {
                var id, label, description, created: String
                var path: [String]
                var virtualEnv: String?
            }
            var id, name, programmingLanguage, description, created: String
            var versions: [Version]
        }

        func run() async throws {
            let store = try RunStore(directory: dataDirectory.directory)
            let environments = try await store.environments()
            if output.json {
                return try output.print(environments.map { environment in
                    Item(id: environment.id, name: environment.name, programmingLanguage: environment.programmingLanguage,
                         description: environment.description, created: environment.created.iso8601,
                         versions: environment.versions.map {
                             Item.Version(id: $0.id, label: $0.label, description: $0.description, created: $0.created.iso8601,
                                          path: $0.searchPath, virtualEnv: $0.virtualEnv)
                         })
                })
            }
            for environment in environments {
                print("\(environment.id)  \(environment.name)  (\(environment.programmingLanguage))  \(environment.description)")
                for version in environment.versions.reversed() {
                    let latest = version.id == environment.latestVersion?.id ? "  [latest]" : ""
                    print("    \(version.id)  \(version.label)  PATH=\(version.searchPath.joined(separator: ":"))\(latest)")
                }
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a version to an environment, creating the environment if it is new.",
            discussion: "Jobs that name the environment without a version get its latest version."
        )

        @OptionGroup var dataDirectory: DataDirectoryOption

        @Argument(help: "Environment name.")
        var name: String

        @Option(name: .customLong("path"), help: "A directory to put in front of PATH (repeatable, in order).")
        var pathPrepend: [String] = []

        @Option(help: "A Python virtual environment: its bin/ goes first on PATH and VIRTUAL_ENV is set.")
        var venv: String?

        @Option(help: "Version label (default v1, v2, …).")
        var label: String?

        @Option(help: "Description of the version.")
        var description = ""

        @Option(name: .customLong("language"), help: "Programming language shown for a new environment (python, r, other…).")
        var programmingLanguage: String?

        func run() async throws {
            let store = try RunStore(directory: dataDirectory.directory)
            let absolute = { (path: String) in URL(fileURLWithPath: path).standardizedFileURL.path }
            let spec = EnvironmentVersionSpec(
                environmentName: name, programmingLanguage: programmingLanguage ?? (venv == nil ? "other" : "python"),
                label: label, description: description, pathPrepend: pathPrepend.map(absolute), virtualEnv: venv.map(absolute))
            do {
                let (environment, version) = try await store.addEnvironmentVersion(spec)
                print("environment \(environment.name) \(environment.id)")
                print("version     \(version.label) \(version.id)")
                print("PATH        \(version.searchPath.joined(separator: ":"))")
            } catch let error as CJRError {
                throw ValidationError(error.message)
            }
        }
    }
}
