import ArgumentParser
import CJRClient

/// `cjr limits`: the server's `maxCustomJobRuns` and `maxCustomJobTimeout`.
struct LimitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "limits", abstract: "Show the server's custom job limits.")
    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await withClientErrors {
            let data = try await client.client().json(.get, "customJobLimits/")
            if client.json { print(data.prettyJSON); return }
            let limits = try data.decoded(as: LimitsView.self)
            print("maxCustomJobRuns     \(limits.maxCustomJobRuns) runs at once")
            print("maxCustomJobTimeout  \(limits.maxCustomJobTimeout) s")
        }
    }
}

/// `cjr templates`: the server's template gallery.
struct TemplatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "templates",
        abstract: "List the server's job templates (create a job from one with `cjr jobs create --template ID`).")
    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await withClientErrors {
            let data = try await client.client().json(.get, "customJobTemplates/?limit=1000")
            if client.json { print(data.prettyJSON); return }
            let templates = try data.decoded(as: ListView<TemplateView>.self).data
            var table = TextTable("ID", "TYPE", "NAME", "DESCRIPTION")
            table.maxCellWidth = 60
            for template in templates { table.add(template.id, template.jobType, template.name, template.description) }
            print(templates.isEmpty ? "no templates" : table.rendered)
        }
    }
}
