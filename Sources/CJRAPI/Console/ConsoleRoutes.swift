import Foundation
import Hummingbird
import Logging
import NIOCore
import CJRModel
import CJRRunner
import CJRStore

/// The web console at `/`: runs (the home page), a run with its log followed live, jobs,
/// a job with its files and a run form built from its parameter definitions, and signing
/// in. Server-rendered HTML over the same store and scheduler as the API, with the same
/// roles: a user sees only the jobs they have a role on.
struct ConsoleRoutes {
    let store: RunStore
    let scheduler: RunScheduler
    let configuration: APIConfiguration

    static let runsPerPage = 50
    static let jobsPerPage = 50
    /// Jobs offered in the runs page's job filter: the newest.
    static let jobChoices = 200
    /// The end of a log a run page shows at first (the rest is a download away).
    static let logTail: Int64 = 256 << 10

    func register(on router: Router<APIRequestContext>) {
        let console = router.group().add(middleware: ConsoleMiddleware(store: store))
        console.get("login", use: loginPage)
        console.post("login", use: login)
        console.post("logout", use: logout)
        console.get("console.css") { _, _ in Self.asset(ConsoleAssets.css, type: "text/css; charset=utf-8") }
        console.get("console.js") { _, _ in Self.asset(ConsoleAssets.javascript, type: "text/javascript; charset=utf-8") }
        console.get("/", use: runsPage)
        console.get("console/runs", use: runsFragment)
        console.get("runs/:run", use: runPage)
        console.get("runs/:run/log", use: logPiece)
        console.get("runs/:run/log/download", use: logDownload)
        console.post("runs/:run/cancel", use: cancel)
        console.post("runs/:run/again", use: runAgain)
        console.get("jobs", use: jobsPage)
        console.get("jobs/:job", use: jobPage)
        console.get("jobs/:job/files/:item", use: filePage)
        console.post("jobs/:job/run", use: startRun)
    }

    // MARK: Signing in

    struct LoginView {
        var title = "Log in"
        var error = ""
        var hasError = false

        init(error: String = "") {
            self.error = error
            hasError = !error.isEmpty
        }
    }

    @Sendable func loginPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        ConsolePages.html(LoginView(), "login")
    }

    @Sendable func login(_ request: Request, context: APIRequestContext) async throws -> Response {
        let token = (try await ConsoleSession.form(request)["token"]?.first ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty, try await store.authenticate(token: token) != nil else {
            return ConsolePages.html(LoginView(error: "That token is not valid (unknown, revoked, expired, or its user is disabled)."), "login",
                                     status: .unauthorized)
        }
        return ConsolePages.redirect("/", headers: [.setCookie: ConsoleSession.cookie(for: token)])
    }

    @Sendable func logout(_ request: Request, context: APIRequestContext) async throws -> Response {
        try ConsoleSession.verify(try await ConsoleSession.form(request), token: ConsoleSession.token(in: request) ?? "")
        return ConsolePages.redirect("/login", headers: [.setCookie: ConsoleSession.expiredCookie])
    }

    // MARK: Runs

    struct Option {
        var value: String
        var label: String
        var selected: Bool
    }

    struct JobOption {
        var id: String
        var name: String
        var selected: Bool
    }

    struct RunsTable {
        var runs: [ConsoleViews.RunLine]
        var total: Int
        var filtered: Bool
        var newer: String
        var older: String
        var hasNewer: Bool
        var hasOlder: Bool

        init(runs: [ConsoleViews.RunLine], total: Int, filtered: Bool, newer: String, older: String) {
            (self.runs, self.total, self.filtered, self.newer, self.older) = (runs, total, filtered, newer, older)
            (hasNewer, hasOlder) = (!newer.isEmpty, !older.isEmpty)
        }
    }

    struct RunsView {
        var title = "Runs"
        var chrome: ConsoleViews.Chrome
        var statuses: [Option]
        var jobs: [JobOption]
        var triggers: [Option]
        var param: String
        var query: String
        var table: RunsTable
    }

    /// The runs list's filters, from the query: `status`, `job`, `trigger`, `param`, and the
    /// page: `before` or `after` a run (keyset paging: a deep page costs what the first does).
    struct RunQuery {
        var status = ""
        var job = ""
        var trigger = ""
        var param = ""
        var before = ""
        var after = ""

        init(_ request: Request) {
            let query = request.uri.queryParameters
            status = query["status"].map(String.init) ?? ""
            job = query["job"].map(String.init) ?? ""
            trigger = query["trigger"].map(String.init) ?? ""
            param = query["param"].map(String.init) ?? ""
            before = query["before"].map(String.init) ?? ""
            after = query["after"].map(String.init) ?? ""
        }

        var filter: RunListFilter {
            get throws {
                var filter = RunListFilter()
                if !status.isEmpty {
                    guard let state = RunListFilter.State(rawValue: status) else { throw CJRError.invalid("status", "'\(status)' is not a run state") }
                    filter.states = [state]
                }
                if !job.isEmpty { filter.jobId = job }
                if !trigger.isEmpty {
                    guard let way = RunTrigger(rawValue: trigger) else { throw CJRError.invalid("trigger", "'\(trigger)' is not a trigger") }
                    filter.triggers = [way]
                }
                if !param.isEmpty {
                    guard let equals = param.firstIndex(of: "="), equals != param.startIndex else {
                        throw CJRError.invalid("param", "'\(param)' must be NAME=value")
                    }
                    filter.parameter = .init(name: String(param[..<equals]), value: String(param[param.index(after: equals)...]))
                }
                if !before.isEmpty { filter.cursor = .before(runId: before) } else if !after.isEmpty { filter.cursor = .after(runId: after) }
                return filter
            }
        }

        var isFiltered: Bool { !(status.isEmpty && job.isEmpty && trigger.isEmpty && param.isEmpty) }

        /// The query string for these filters and a page (empty parts left out).
        func string(before: String = "", after: String = "") -> String {
            var components = URLComponents()
            components.queryItems = [("status", status), ("job", job), ("trigger", trigger), ("param", param),
                                     ("before", before), ("after", after)]
                .filter { !$0.1.isEmpty }.map { URLQueryItem(name: $0.0, value: $0.1) }
            return components.queryItems?.isEmpty == false ? "?" + (components.percentEncodedQuery ?? "") : ""
        }

        /// This page's own query (for its refresh).
        var current: String { string(before: before, after: after) }
    }

    @Sendable func runsPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        let user = try context.requireUser
        let query = RunQuery(request)
        let table = try await runsTable(query, user: user)
        // The newest jobs for the filter (a job page links to its own runs whatever its age).
        var jobs = try await store.jobs(matching: JobFilter(), visibleTo: user.id, page: PageRequest(offset: 0, limit: Self.jobChoices)).items
        if !query.job.isEmpty, !jobs.contains(where: { $0.id == query.job }),
           (try? await context.authorize(.read, job: query.job, in: store)) != nil {
            jobs.insert(try await store.job(id: query.job), at: 0)
        }
        let view = RunsView(
            chrome: try await chrome(request, user: user, onRuns: true),
            statuses: [Option(value: "", label: "any status", selected: query.status.isEmpty)]
                + RunListFilter.State.allCases.map { Option(value: $0.rawValue, label: $0.rawValue, selected: $0.rawValue == query.status) },
            jobs: jobs.map { JobOption(id: $0.id, name: $0.name, selected: $0.id == query.job) },
            triggers: [Option(value: "", label: "any trigger", selected: query.trigger.isEmpty)]
                + RunTrigger.allCases.map { Option(value: $0.rawValue, label: ConsoleViews.words(for: $0), selected: $0.rawValue == query.trigger) },
            param: query.param, query: query.current, table: table)
        return ConsolePages.html(view, "runs")
    }

    /// The runs table and the gauge as HTML, for the runs page's refresh.
    @Sendable func runsFragment(_ request: Request, context: APIRequestContext) async throws -> Response {
        let user = try context.requireUser
        struct Fragment { var table: RunsTable }
        struct GaugeFragment { var gauge: ConsoleViews.Gauge }
        let table = try await runsTable(RunQuery(request), user: user)
        return ConsolePages.json(["table": ConsoleTemplates.render(Fragment(table: table), "runsTable"),
                                  "gauge": ConsoleTemplates.render(GaugeFragment(gauge: try await gauge()), "gauge")])
    }

    private func runsTable(_ query: RunQuery, user: AuthenticatedUser) async throws -> RunsTable {
        // One run more than a page, to know whether there is another page that way.
        let page = try await store.runs(matching: try query.filter, visibleTo: user.id, page: PageRequest(offset: 0, limit: Self.runsPerPage + 1))
        var items = page.items
        let towardNewer = !query.after.isEmpty
        let more = items.count > Self.runsPerPage
        if more { if towardNewer { items.removeFirst() } else { items.removeLast() } }
        let hasNewer = towardNewer ? more : !query.before.isEmpty
        let hasOlder = towardNewer ? true : more
        let newer = hasNewer ? "/" + query.string(after: items.first?.run.id ?? "") : ""
        let older = hasOlder ? "/" + query.string(before: items.last?.run.id ?? "") : ""
        return RunsTable(runs: items.map { ConsoleViews.RunLine($0.run, jobName: $0.jobName) }, total: page.totalCount,
                         filtered: query.isFiltered, newer: items.isEmpty ? "" : newer, older: items.isEmpty ? "" : older)
    }

    // MARK: One run

    struct ParameterLine {
        var name: String
        var type: String
        var value: String
    }

    struct FileLine {
        var id: String
        var jobId: String
        var path: String
        var size: String
        var entryPoint: Bool
    }

    struct RunView {
        var title: String
        var chrome: ConsoleViews.Chrome
        var id: String
        var jobId: String
        var jobName: String
        var error: String
        var hasError: Bool
        var summary: ConsoleViews.RunLine
        var canRun: Bool
        var log: String
        var logOffset: Int64
        var logCut: Bool
        var parameters: [ParameterLine]
        var files: [FileLine]
        var sandbox: [String]
    }

    /// A run the user may see, with its job's name and their role on it.
    private func visibleRun(_ request: Request, context: APIRequestContext) async throws -> (CustomJobRun, String, JobRole) {
        let id = try context.parameters.require("run")
        let notFound = CJRError.notFound("Custom job run \(id) not found.")
        guard let run = try? await store.run(id: id) else { throw notFound }
        let role: JobRole
        do {
            role = try await context.authorize(.read, job: run.customJobId, in: store)
        } catch let error as CJRError where error.kind == .notFound {
            throw notFound // as for a run that does not exist
        }
        return (run, try await store.job(id: run.customJobId).name, role)
    }

    @Sendable func runPage(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await renderRun(request, context: context, error: "")
    }

    private func renderRun(_ request: Request, context: APIRequestContext, error: String, status: HTTPResponse.Status = .ok) async throws -> Response {
        let user = try context.requireUser
        let (run, jobName, role) = try await visibleRun(request, context: context)
        let state = try await store.logState(jobId: run.customJobId, runId: run.id)
        let start = max(0, state.committedBytes - Self.logTail)
        let log = ConsoleViews.plain(try Self.read(state.file, from: start, to: state.committedBytes))
        var parameters: [ParameterLine] = []
        for definition in run.runtimeParameterDefinitions {
            let value = run.runtimeParameterValues[definition.fieldName] ?? definition.defaultValue
            var shown = ConsoleViews.text(value)
            if definition.type == .credential, case .string(let id)? = value {
                // A credential by its name, never its secrets.
                let name = try? await store.credential(id: id, ownerId: run.startedBy ?? "").name
                shown = name.map { "\($0) (credential \(id))" } ?? "credential \(id)"
            }
            parameters.append(ParameterLine(name: definition.fieldName, type: definition.type.rawValue, value: shown.isEmpty ? "—" : shown))
        }
        let view = RunView(
            title: "Run \(run.id)", chrome: try await chrome(request, user: user, onRuns: true), id: run.id, jobId: run.customJobId,
            jobName: jobName, error: error, hasError: !error.isEmpty, summary: ConsoleViews.RunLine(run, jobName: jobName), canRun: role >= .user,
            log: log, logOffset: state.committedBytes, logCut: start > 0, parameters: parameters,
            files: run.items.map { FileLine(id: $0.id, jobId: run.customJobId, path: $0.filePath, size: ConsoleViews.size($0.size), entryPoint: $0.id == run.entryPoint) },
            sandbox: run.sandbox ?? [])
        return ConsolePages.html(view, "run", status: status)
    }

    /// What a followed log has past `offset` (plain text, at most 256 KiB), with the run's
    /// summary and the gauge, for the run page's follower.
    @Sendable func logPiece(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (run, jobName, _) = try await visibleRun(request, context: context)
        // The run first: once it has ended, its log is whole.
        let state = try await store.logState(jobId: run.customJobId, runId: run.id)
        var offset = request.uri.queryParameters["offset"].flatMap { Int64(String($0)) } ?? 0
        if offset > state.committedBytes || offset < 0 { offset = 0 } // the log was deleted and began again
        let end = min(state.committedBytes, offset + Self.logTail)
        let text = ConsoleViews.plain(try Self.read(state.file, from: offset, to: end))
        struct Summary { var summary: ConsoleViews.RunLine }
        struct GaugeFragment { var gauge: ConsoleViews.Gauge }
        let line = ConsoleViews.RunLine(run, jobName: jobName)
        return ConsolePages.json([
            "text": text, "offset": end, "final": run.status.isFinal && end == state.committedBytes, "cancellable": line.cancellable,
            "summary": ConsoleTemplates.render(Summary(summary: line), "runSummary"),
            "gauge": ConsoleTemplates.render(GaugeFragment(gauge: try await gauge()), "gauge"),
        ])
    }

    @Sendable func logDownload(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (run, _, _) = try await visibleRun(request, context: context)
        let state = try await store.logState(jobId: run.customJobId, runId: run.id)
        let bytes = try Self.read(state.file, from: 0, to: state.committedBytes)
        return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8",
                                               .contentDisposition: "attachment; filename=\"\(run.id).log\""],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    @Sendable func cancel(_ request: Request, context: APIRequestContext) async throws -> Response {
        try ConsoleSession.verify(try await ConsoleSession.form(request), token: ConsoleSession.token(in: request) ?? "")
        let (run, _, _) = try await visibleRun(request, context: context)
        do {
            try await scheduler.cancel(jobId: run.customJobId, runId: run.id, by: try context.requireUser.id)
        } catch let error as CJRError where error.kind != .notFound {
            return try await renderRun(request, context: context, error: error.message, status: error.kind.status)
        }
        return ConsolePages.redirect("/runs/\(run.id)")
    }

    /// A new run of the same job with the same values.
    @Sendable func runAgain(_ request: Request, context: APIRequestContext) async throws -> Response {
        try ConsoleSession.verify(try await ConsoleSession.form(request), token: ConsoleSession.token(in: request) ?? "")
        let (run, _, _) = try await visibleRun(request, context: context)
        let job = try await store.job(id: run.customJobId)
        let overrides = run.runtimeParameterDefinitions.compactMap { definition -> RuntimeParameterOverride? in
            let value = run.runtimeParameterValues[definition.fieldName]
            guard value != job.runtimeParameterValues[definition.fieldName] else { return nil }
            return RuntimeParameterOverride(fieldName: definition.fieldName, type: definition.type, value: value)
        }.filter { override in job.runtimeParameterDefinitions.contains { $0.fieldName == override.fieldName && $0.type == override.type } }
        do {
            let again = try await start(jobId: run.customJobId, description: run.description, overrides: overrides, context: context)
            return ConsolePages.redirect("/runs/\(again.id)")
        } catch let error as CJRError where error.kind != .notFound {
            return try await renderRun(request, context: context, error: error.message, status: error.kind.status)
        }
    }

    private func start(jobId: String, description: String, overrides: [RuntimeParameterOverride], context: APIRequestContext) async throws -> CustomJobRun {
        let user = try context.requireUser
        try await context.authorize(.use, job: jobId, in: store)
        let run = try await store.createRun(jobId: jobId, description: description.isEmpty ? nil : description, overrides: overrides,
                                            startedBy: user.id, trigger: .console)
        await scheduler.submit(run.id, userId: user.id)
        context.logger.info("run queued from the console", metadata: ["job": "\(jobId)", "run": "\(run.id)"])
        return run
    }

    // MARK: Jobs

    struct JobLine {
        var id: String
        var name: String
        var type: String
        var created: String
        var last: [ConsoleViews.RunLine]
        var recent: [ConsoleViews.RunLine]
    }

    struct JobsView {
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

    struct CredentialOption {
        var id: String
        var name: String
        var selected: Bool
    }

    /// One input of the run form, of its parameter's type.
    struct Field {
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

    struct DefinitionLine {
        var name: String
        var type: String
        var defaultValue: String
        var value: String
        var help: String
    }

    struct JobView {
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
            files: job.items.map { FileLine(id: $0.id, jobId: job.id, path: $0.filePath, size: ConsoleViews.size($0.size), entryPoint: $0.id == job.entryPoint) })
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

    struct FileView {
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
            note = "\(ConsoleViews.size(item.size)): too large to show here."
        } else if let content = String(validating: try store.blobs.contents(ofHash: item.contentHash), as: UTF8.self) {
            text = content
            if text.isEmpty { note = "The file is empty." }
        } else {
            note = "A binary file of \(ConsoleViews.size(item.size))."
        }
        let view = FileView(title: item.filePath, chrome: try await chrome(request, user: user, onJobs: true), jobId: jobId,
                            jobName: job.name, path: item.filePath, text: text, note: note, hasText: !text.isEmpty)
        return ConsolePages.html(view, "file")
    }

    // MARK: Parts

    private func chrome(_ request: Request, user: AuthenticatedUser, onRuns: Bool = false, onJobs: Bool = false) async throws -> ConsoleViews.Chrome {
        ConsoleViews.Chrome(username: user.username, csrf: ConsoleSession.csrf(for: ConsoleSession.token(in: request) ?? ""),
                            gauge: try await gauge(), onRuns: onRuns, onJobs: onJobs)
    }

    private func gauge() async throws -> ConsoleViews.Gauge {
        ConsoleViews.Gauge(executing: await scheduler.executingCount, maxRuns: configuration.runner.maxConcurrentRuns,
                           queued: try await store.queuedRunCount())
    }

    private static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "max-age=300"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// Bytes `start..<end` of a log file.
    static func read(_ file: URL, from start: Int64, to end: Int64) throws -> [UInt8] {
        guard end > start, let handle = try? FileHandle(forReadingFrom: file) else { return [] }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(start))
        return Array(try handle.read(upToCount: Int(end - start)) ?? Data())
    }
}
