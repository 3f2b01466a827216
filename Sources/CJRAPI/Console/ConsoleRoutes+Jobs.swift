import Foundation
import Hummingbird
import Logging
import NIOCore
import CJRModel
import CJRRunner
import CJRStore

/// The jobs list, a job with its typed Run form, and a job file's text.
extension ConsoleRoutes {

    struct JobLine: ConsoleView {
        var id: String
        var name: String
        var type: String
        var created: String
        var last: [ConsoleViews.RunLine]
        var recent: [ConsoleViews.RunLine]
    }

    struct JobsView: ConsoleView {
        var title = "Jobs"
        var chrome: ConsoleViews.Chrome
        var jobs: [JobLine]
        var total: Int
        var newer: String
        var older: String
        var hasNewer: Bool
        var hasOlder: Bool
    }

    @Sendable func jobsPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let user = try context.requireUser
        let offset = request.uri.queryParameters["offset"].flatMap { Int(String($0)) }.map { max(0, $0) } ?? 0
        let page = try await store.jobs(matching: JobFilter(), visibleTo: user.id, page: PageRequest(offset: offset, limit: Self.jobsPerPage))
        let recent = try await store.recentRuns(jobIds: page.items.map(\.id), limit: 12)
        let jobs = page.items.map { job in
            let runs = (recent[job.id] ?? []).map { ConsoleViews.RunLine($0, jobName: job.name) }
            return JobLine(id: job.id, name: job.name, type: job.jobType.rawValue, created: ConsoleViews.time(job.created),
                           last: Array(runs.prefix(1)), recent: runs.reversed())
        }
        let newer = offset > 0 ? "/jobs?offset=\(max(0, offset - Self.jobsPerPage))" : ""
        let older = offset + page.items.count < page.totalCount ? "/jobs?offset=\(offset + Self.jobsPerPage)" : ""
        let view = JobsView(chrome: try await chrome(request, user: user, onJobs: true), jobs: jobs, total: page.totalCount,
                            newer: newer, older: older, hasNewer: !newer.isEmpty, hasOlder: !older.isEmpty)
        return ConsolePages.html(view, "jobs")
    }

    struct CredentialOption: ConsoleView {
        var id: String
        var name: String
        var selected: Bool
    }

    /// One input of the run form, of its parameter's type.
    struct Field: ConsoleView {
        var name: String
        var type: String
        var help: String
        var value: String
        var isBoolean = false
        var isNumeric = false
        var isCredential = false
        var isText = false
        var checked = false
        var hasMin = false
        var min = ""
        var hasMax = false
        var max = ""
        var credentials: [CredentialOption] = []
    }

    struct DefinitionLine: ConsoleView {
        var name: String
        var type: String
        var defaultValue: String
        var value: String
        var help: String
    }

    struct JobView: ConsoleView {
        var title: String
        var chrome: ConsoleViews.Chrome
        var id: String
        var name: String
        var type: String
        var description: String
        var error: String
        var hasError: Bool
        var canRun: Bool
        var fields: [Field]
        var parameters: [DefinitionLine]
        var files: [FileLine]
    }

    @Sendable func jobPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await renderJob(request, context: context, error: "")
    }

    private func renderJob(_ request: Request, context: APIRequestContext, error: String, status: HTTPResponse.Status = .ok) async throws -> Response {
        let user = try context.requireUser
        let jobId = try context.parameters.require("job")
        let role = try await context.authorize(.read, job: jobId, in: store)
        let job = try await store.job(id: jobId)
        let credentials = try await store.credentials(ownerId: user.id, page: PageRequest(offset: 0, limit: 1_000)).items
        let fields = job.runtimeParameterDefinitions.map { definition -> Field in
            let current = job.runtimeParameterValues[definition.fieldName] ?? definition.defaultValue
            var field = Field(name: definition.fieldName, type: definition.type.rawValue, help: definition.description ?? "",
                              value: ConsoleViews.text(current))
            switch definition.type {
            case .boolean:
                field.isBoolean = true
                field.checked = current == .boolean(true)
            case .numeric:
                field.isNumeric = true
                if let min = definition.minValue { field.hasMin = true; field.min = ConsoleViews.text(.numeric(min)) }
                if let max = definition.maxValue { field.hasMax = true; field.max = ConsoleViews.text(.numeric(max)) }
            case .credential:
                field.isCredential = true
                field.credentials = credentials.filter { definition.credentialType == nil || $0.credentialType == definition.credentialType }
                    .map { CredentialOption(id: $0.id, name: $0.name, selected: .string($0.id) == current) }
            case .string, .deployment, .modelPackage, .customMetric:
                field.isText = true
            }
            return field
        }
        let view = JobView(
            title: job.name, chrome: try await chrome(request, user: user, onJobs: true), id: job.id, name: job.name,
            type: job.jobType.rawValue, description: job.description.isEmpty ? "no description" : job.description, error: error,
            hasError: !error.isEmpty, canRun: role >= .user, fields: fields,
            parameters: job.runtimeParameterDefinitions.map {
                DefinitionLine(name: $0.fieldName, type: $0.type.rawValue, defaultValue: ConsoleViews.text($0.defaultValue),
                               value: ConsoleViews.text(job.runtimeParameterValues[$0.fieldName]), help: $0.description ?? "")
            },
            files: job.items.map { FileLine(id: $0.id, jobId: job.id, path: $0.filePath, size: ByteSize.text($0.size), entryPoint: $0.id == job.entryPoint) })
        return ConsolePages.html(view, "job", status: status)
    }

    /// Starts a run from the run form: each field's value as its parameter's type; an
    /// empty field keeps the job's value, an unchecked box is false.
    @Sendable func startRun(_ request: Request, context: APIRequestContext) async throws -> Response {
        let form = try await ConsoleSession.form(request)
        try ConsoleSession.verify(form, token: ConsoleSession.token(in: request) ?? "")
        let jobId = try context.parameters.require("job")
        try await context.authorize(.read, job: jobId, in: store)
        let job = try await store.job(id: jobId)
        do {
            var overrides: [RuntimeParameterOverride] = []
            for definition in job.runtimeParameterDefinitions {
                let given = form["p.\(definition.fieldName)"]?.first ?? ""
                let value: RuntimeParameterValue?
                switch definition.type {
                case .boolean:
                    guard form["present.\(definition.fieldName)"] != nil else { continue }
                    value = .boolean(given == "true")
                case .numeric:
                    guard !given.isEmpty else { continue }
                    guard let number = Double(given) else {
                        throw CJRError.invalid(definition.fieldName, "'\(given)' is not a number")
                    }
                    value = .numeric(number)
                default:
                    guard !given.isEmpty else { continue }
                    value = .string(given)
                }
                if value != job.runtimeParameterValues[definition.fieldName] ?? definition.defaultValue {
                    overrides.append(RuntimeParameterOverride(fieldName: definition.fieldName, type: definition.type, value: value))
                }
            }
            let run = try await start(jobId: jobId, description: form["description"]?.first ?? "", overrides: overrides, context: context)
            return ConsolePages.redirect("/runs/\(run.id)")
        } catch let error as CJRError where error.kind != .notFound {
            return try await renderJob(request, context: context, error: error.message, status: error.kind.status)
        }
    }

    struct FileView: ConsoleView {
        var title: String
        var chrome: ConsoleViews.Chrome
        var jobId: String
        var jobName: String
        var path: String
        var text: String
        var note: String
        var hasText: Bool
    }

    /// A job file's text (escaped); a binary or very large file is named, not shown.
    @Sendable func filePage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let user = try context.requireUser
        let jobId = try context.parameters.require("job")
        try await context.authorize(.read, job: jobId, in: store)
        let job = try await store.job(id: jobId)
        let item = try await store.jobItem(jobId: jobId, itemId: try context.parameters.require("item"))
        var text = "", note = ""
        if item.size > 1 << 20 {
            note = "\(ByteSize.text(item.size)): too large to show here."
        } else if let content = String(validating: try store.blobs.contents(ofHash: item.contentHash), as: UTF8.self) {
            text = content
            if text.isEmpty { note = "The file is empty." }
        } else {
            note = "A binary file of \(ByteSize.text(item.size))."
        }
        let view = FileView(title: item.filePath, chrome: try await chrome(request, user: user, onJobs: true), jobId: jobId,
                            jobName: job.name, path: item.filePath, text: text, note: note, hasText: !text.isEmpty)
        return ConsolePages.html(view, "file")
    }
}
