import Foundation
import Hummingbird
import Logging
import NIOCore
import CJRModel
import CJRRunner
import CJRStore

/// The runs list and one run: its log followed live, Cancel, Run again.
extension ConsoleRoutes {

    struct Option: ConsoleView {
        var value: String
        var label: String
        var selected: Bool
    }

    struct JobOption: ConsoleView {
        var id: String
        var name: String
        var selected: Bool
    }

    struct RunsTable: ConsoleView {
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

    struct RunsView: ConsoleView {
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
                    filter.states = try RunListFilter.State.list(status, field: "status")
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
        var jobs = try await store.jobNames(visibleTo: user.id, limit: Self.jobChoices)
        if !query.job.isEmpty, !jobs.contains(where: { $0.id == query.job }),
           (try? await context.authorize(.read, job: query.job, in: store)) != nil {
            let job = try await store.job(id: query.job)
            jobs.insert((job.id, job.name), at: 0)
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
        struct Fragment: ConsoleView { var table: RunsTable }
        struct GaugeFragment: ConsoleView { var gauge: ConsoleViews.Gauge }
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


    struct ParameterLine: ConsoleView {
        var name: String
        var type: String
        var value: String
    }

    struct FileLine: ConsoleView {
        var id: String
        var jobId: String
        var path: String
        var size: String
        var entryPoint: Bool
    }

    struct RunView: ConsoleView {
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
            files: run.items.map { FileLine(id: $0.id, jobId: run.customJobId, path: $0.filePath, size: ByteSize.text($0.size), entryPoint: $0.id == run.entryPoint) },
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
        struct Summary: ConsoleView { var summary: ConsoleViews.RunLine }
        struct GaugeFragment: ConsoleView { var gauge: ConsoleViews.Gauge }
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

    /// Starts a run of a job as the signed-in user (a USER of it), from the console.
    func start(jobId: String, description: String, overrides: [RuntimeParameterOverride], context: APIRequestContext) async throws -> CustomJobRun {
        let user = try context.requireUser
        try await context.authorize(.use, job: jobId, in: store)
        let run = try await store.createRun(jobId: jobId, description: description.isEmpty ? nil : description, overrides: overrides,
                                            startedBy: user.id, trigger: .console)
        await scheduler.submit(run.id, userId: user.id)
        context.logger.info("run queued from the console", metadata: ["job": "\(jobId)", "run": "\(run.id)"])
        return run
    }
}
