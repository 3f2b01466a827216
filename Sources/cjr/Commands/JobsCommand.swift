import ArgumentParser
import Foundation
import CJRClient
import CJRModel
import CJRParameters
import CJRStore

/// `cjr jobs …`: custom jobs on a running server.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List, show, create, update and delete custom jobs on a running server.",
        subcommands: [List.self, Show.self, Create.self, Update.self, Delete.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the server's custom jobs, newest first.")
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await withClientErrors {
                let (jobs, pages) = try await client.client().all("customJobs/?limit=1000", as: JobView.self)
                if client.json { print(Data.mergedPages(pages).prettyJSON); return }
                var table = TextTable("ID", "NAME", "TYPE", "ENTRY POINT", "FILES", "LAST RUN", "CREATED")
                for job in jobs {
                    table.add(job.id, job.name, job.jobType ?? "-", job.entryPointPath ?? "-", String(job.items.count),
                              shortTime(job.lastRun), shortTime(job.created))
                }
                print(jobs.isEmpty ? "no custom jobs" : table.rendered)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one custom job: settings, files and runtime parameters.")
        @Argument(help: "The job: its name, its ID or a unique start of it.") var job: String
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await withClientErrors {
                let api = try client.client()
                let jobId = try await References(api: api).job(job)
                let data = try await api.json(.get, "customJobs/\(jobId)/")
                if client.json { print(data.prettyJSON); return }
                print(JobDescription(try data.decoded(as: JobView.self)).text)
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create a custom job from a folder (every file in it) or from a gallery template.")
        @Argument(help: "The job folder.") var directory: String?
        @Option(help: "Create from this gallery template instead (see `cjr templates`).") var template: String?
        @Option(help: "The job's name (default: the folder's name).") var name: String?
        @Option(help: "The job's description.") var description: String?
        @Option(name: .customLong("job-type"), help: "default, hostedCustomMetric, notification or retraining.") var jobType: String?
        @Option(help: "Egress network policy: none or public.") var egress: String?
        @Option(name: .customLong("environment-id"), help: "Execution environment ID (default: the server's built-in one).") var environmentId: String?
        @Option(name: .customLong("param"), help: "A runtime parameter value, NAME=VALUE (repeatable).") var parameters: [String] = []
        @OptionGroup var client: ClientOptions

        func validate() throws {
            guard (directory == nil) != (template == nil) else { throw ValidationError("give a folder or --template ID, not both or neither") }
            if template != nil && name != nil { throw ValidationError("a job from a template takes the template's name; --name does not apply") }
        }

        func run() async throws {
            try await withClientErrors {
                let api = try client.client()
                var form = MultipartUpload()
                var definitions: [RuntimeParameterDefinition] = []
                if let template {
                    form.field("templateId", template)
                    let view = try await api.json(.get, "customJobTemplates/\(template)/").decoded(as: TemplateView.self)
                    definitions = JobView.definitions(of: view.runtimeParameters ?? [])
                } else if let directory {
                    try FolderGate.check(directory, entryPoint: nil, entryPointRequired: false)
                    let folder = try JobFolderArgument(directory)
                    form.field("name", name ?? folder.url.lastPathComponent)
                    definitions = try folder.definitions()
                    for path in try folder.filePaths() { try form.file(folder.url.appendingPathComponent(path), filePath: path) }
                }
                if let description { form.field("description", description) }
                if let jobType { form.field("jobType", jobType) }
                if let environmentId { form.field("environmentId", environmentId) }
                if let egress { form.field("resources", #"{"egressNetworkPolicy": "\#(egress)"}"#) }
                if !parameters.isEmpty {
                    // In the create request itself: a value the server refuses leaves no job behind.
                    form.field("runtimeParameterValues", try await ParameterArguments(definitions: definitions, credential: { try await CredentialNames.resolve($0, api: api) }).json(pairs: parameters))
                }
                let progress = UploadProgress(form)
                let data = try await api.upload(.post, template == nil ? "customJobs/" : "customJobs/fromGalleryTemplate/", form: form,
                                                progress: progress.update)
                progress.finish()
                if client.json { print(data.prettyJSON); return }
                let job = try data.decoded(as: JobView.self)
                print("created job \(job.id) (\(job.name)): \(job.items.count) files, entry point \(job.entryPointPath ?? "none")")
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update",
            abstract: "Make a job's files match a folder: upload every file, delete the job's files the folder no longer has.")
        @Argument(help: "The job: its name, its ID or a unique start of it.") var job: String
        @Argument(help: "The job folder.") var directory: String
        @Option(help: "A new name.") var name: String?
        @Option(help: "A new description.") var description: String?
        @Option(name: .customLong("entry-point"), help: "The entry point's path in the folder (default: keep the job's).") var entryPoint: String?
        @Option(name: .customLong("param"), help: "A runtime parameter value, NAME=VALUE (repeatable).") var parameters: [String] = []
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await withClientErrors {
                let api = try client.client()
                try FolderGate.check(directory, entryPoint: entryPoint, entryPointRequired: entryPoint != nil)
                let jobId = try await References(api: api).job(self.job)
                let job = try await api.json(.get, "customJobs/\(jobId)/").decoded(as: JobView.self)
                let folder = try JobFolderArgument(directory)
                let paths = try folder.filePaths()
                var form = MultipartUpload()
                if let name { form.field("name", name) }
                if let description { form.field("description", description) }
                for item in job.items where !paths.contains(item.filePath) { form.field("filesToDelete", item.id) }
                for path in paths { try form.file(folder.url.appendingPathComponent(path), filePath: path) }
                if !parameters.isEmpty {
                    form.field("runtimeParameterValues", try await ParameterArguments(definitions: try folder.definitions(), credential: { try await CredentialNames.resolve($0, api: api) }).json(pairs: parameters))
                }
                let progress = UploadProgress(form)
                var data = try await api.upload(.patch, "customJobs/\(jobId)/", form: form, progress: progress.update)
                progress.finish()
                if let entryPoint {
                    let updated = try data.decoded(as: JobView.self)
                    guard let item = updated.items.first(where: { $0.filePath == entryPoint }) else {
                        throw ClientError("--entry-point: the job has no file \(entryPoint)")
                    }
                    data = try await api.json(.patch, "customJobs/\(jobId)/", body: ["entryPoint": item.id])
                }
                if client.json { print(data.prettyJSON); return }
                let updated = try data.decoded(as: JobView.self)
                let removed = job.items.filter { !paths.contains($0.filePath) }.count
                print("updated job \(updated.id) (\(updated.name)): \(paths.count) files uploaded, \(removed) removed, entry point \(updated.entryPointPath ?? "none")")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a custom job (its unfinished runs are canceled first).")
        @Argument(help: "The job: its name, its ID or a unique start of it.") var job: String
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await withClientErrors {
                let api = try client.client()
                let jobId = try await References(api: api).job(job)
                _ = try await api.json(.delete, "customJobs/\(jobId)/")
                if !client.json { print("deleted job \(jobId)") }
            }
        }
    }
}

/// A job folder named on the command line.
struct JobFolderArgument {
    let url: URL

    init(_ path: String) throws {
        url = URL(fileURLWithPath: path).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ClientError("\(path) is not a folder")
        }
    }

    func filePaths() throws -> [String] { try JobFolder(root: url).filePaths() }

    /// The folder's runtime-parameter definitions, to type `--param` values.
    func definitions() throws -> [RuntimeParameterDefinition] {
        let metadata = url.appendingPathComponent(MetadataParser.fileName)
        guard let text = try? String(contentsOf: metadata, encoding: .utf8) else { return [] }
        do {
            return try MetadataParser.definitions(fromYAML: text)
        } catch {
            throw ClientError("\(metadata.path): \(error.message)")
        }
    }
}

extension JobView {
    /// Definitions rebuilt from the job's view, enough to type `--param` values.
    var definitions: [RuntimeParameterDefinition] { Self.definitions(of: runtimeParameters ?? []) }

    static func definitions(of parameters: [Parameter]) -> [RuntimeParameterDefinition] {
        parameters.compactMap { parameter in
            RuntimeParameterType(rawValue: parameter.type).map { RuntimeParameterDefinition(fieldName: parameter.fieldName, type: $0) }
        }
    }
}
