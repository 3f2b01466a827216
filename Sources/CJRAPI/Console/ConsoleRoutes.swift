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

    struct LoginView: ConsoleView {
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

    // MARK: Parts

    func chrome(_ request: Request, user: AuthenticatedUser, onRuns: Bool = false, onJobs: Bool = false) async throws -> ConsoleViews.Chrome {
        ConsoleViews.Chrome(username: user.username, csrf: ConsoleSession.csrf(for: ConsoleSession.token(in: request) ?? ""),
                            gauge: try await gauge(), onRuns: onRuns, onJobs: onJobs)
    }

    func gauge() async throws -> ConsoleViews.Gauge {
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
