import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import CJRModel
import CJRTestSupport
@testable import CJRAPI
import CJRStore

/// The web console over HTTP, as a browser without JavaScript uses it: signing in, the
/// pages, their escaping, CSRF, roles, and the JSON its script polls. (Tests/compat has
/// the same in a real browser.)
@Suite("Web console")
struct ConsoleTests {
    struct InnerView: ConsoleView { var id = "inner" }
    struct OuterView: ConsoleView {
        var id = "outer"
        var last: InnerView? = InnerView()
        var lines = [InnerView(), InnerView(id: "second")]
        var count = 2
        var note: String? = "n"
    }

    @Test("views become dictionaries for Mustache, optional and nested ones included; leaves stay as they are")
    func preparedViews() throws {
        let prepared = try #require(ConsoleTemplates.prepared(OuterView()) as? [String: Any])
        #expect(prepared["id"] as? String == "outer" && prepared["count"] as? Int == 2)
        #expect((prepared["last"] as? [String: Any])?["id"] as? String == "inner", "an optional view, unwrapped: \(prepared)")
        #expect((prepared["lines"] as? [Any])?.compactMap { ($0 as? [String: Any])?["id"] as? String } == ["inner", "second"])
        #expect(prepared["note"] as? String == "n")
    }

    @Test("a view that writes out its fields (a row of a table) gives what reflecting it would, field for field")
    func writtenOutFields() throws {
        let resources = CustomJobResources(egressNetworkPolicy: .none, resourceBundleId: nil)
        for ended in [false, true] {
            let run = CustomJobRun(id: "r", customJobId: "j", jobStatusId: "s", description: "d", status: ended ? .failed : .running,
                                   entryPoint: "i", environmentId: "e", environmentVersionId: "v", resources: resources, items: [],
                                   runtimeParameterDefinitions: [], runtimeParameterValues: [:], scheduledJobId: nil, created: .now(),
                                   startedAt: .now(), endedAt: ended ? .now() : nil, exitCode: ended ? 3 : nil, endReason: ended ? .exited : nil,
                                   queuePosition: nil, sandbox: nil)
            let views: [any ConsoleView] = [ConsoleViews.RunLine(run, jobName: "its job")]
            for view in views {
                let written = try #require(view.fields)
                var reflected: [String: String] = [:]
                for child in Mirror(reflecting: view).children {
                    if let label = child.label { reflected[label] = String(describing: child.value) }
                }
                #expect(written.mapValues { String(describing: $0) } == reflected, "\(type(of: view))")
            }
        }
    }

    /// A browser's view of the server: one session cookie.
    struct Browser: Sendable {
        let api: APIClient
        var cookie: String?

        func send(_ method: HTTPRequest.Method, _ path: String, form: [(String, String)]? = nil, json: Bool = false) async throws -> TestResponse {
            var headers: HTTPFields = [:]
            if let cookie { headers[.cookie] = "cjr_console=\(cookie)" }
            if json { headers[.accept] = "application/json" }
            var body: ByteBuffer?
            if let form {
                headers[.contentType] = "application/x-www-form-urlencoded"
                var components = URLComponents()
                components.queryItems = form.map { URLQueryItem(name: $0.0, value: $0.1) }
                body = ByteBuffer(string: (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B"))
            }
            return try await api.client.executeRequest(uri: path, method: method, headers: headers, body: body)
        }

        func page(_ path: String) async throws -> String {
            let response = try await send(.get, path)
            guard response.status == .ok else { throw TestFailure("\(path): \(response.status) \(String(buffer: response.body))") }
            return String(buffer: response.body)
        }

        /// Signs in with the client's token; returns the page's CSRF token.
        mutating func logIn() async throws -> String {
            let response = try await send(.post, "/login", form: [("token", api.token)])
            guard response.status == .seeOther, let set = response.headers[.setCookie], set.hasPrefix("cjr_console=") else {
                throw TestFailure("login: \(response.status) \(response.headers)")
            }
            cookie = String(set.dropFirst("cjr_console=".count).prefix { $0 != ";" })
            return ConsoleSession.csrf(for: api.token)
        }
    }

    @Test("signing in: pages send a stranger to the login page; a bad token is refused; a good one sets an HttpOnly, SameSite=Strict cookie")
    func signingIn() async throws {
        try await withServer { api in
            var browser = Browser(api: api)
            let home = try await browser.send(.get, "/")
            #expect(home.status == .seeOther && home.headers[.location] == "/login")
            #expect(try await browser.page("/login").contains("<input type=\"password\" name=\"token\""))
            let bad = try await browser.send(.post, "/login", form: [("token", "nope")])
            #expect(bad.status == .unauthorized && String(buffer: bad.body).contains("That token is not valid"))
            let good = try await browser.send(.post, "/login", form: [("token", api.token)])
            let cookie = try #require(good.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"))
            _ = try await browser.logIn()
            let page = try await browser.send(.get, "/")
            #expect(page.status == .ok)
            #expect(page.headers[.init("Content-Security-Policy")!]?.contains("default-src 'self'") == true)
            #expect(String(buffer: page.body).contains("<span class=\"user\">admin</span>"))
            // Logging out needs the form's CSRF token, and ends the session.
            #expect(try await browser.send(.post, "/logout", form: []).status == .forbidden)
            let out = try await browser.send(.post, "/logout", form: [("csrf", ConsoleSession.csrf(for: api.token))])
            #expect(out.status == .seeOther && out.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(try await browser.send(.get, "/console.css").status == .ok)

            // A form from another site is refused by its Origin, the log-in form included.
            var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .origin: "http://evil.example"]
            let crossSite = try await api.client.executeRequest(uri: "/login", method: .post, headers: headers,
                                                                body: ByteBuffer(string: "token=\(api.token)"))
            #expect(crossSite.status == .forbidden && crossSite.headers[.setCookie] == nil)
            headers[.origin] = nil
            let sameSite = try await api.client.executeRequest(uri: "/login", method: .post, headers: headers,
                                                               body: ByteBuffer(string: "token=\(api.token)"))
            #expect(sameSite.status == .seeOther)
        }
    }

    @Test("names and logs full of HTML are shown as text, everywhere")
    func escaping() async throws {
        try await withServer { api in
            var browser = Browser(api: api)
            _ = try await browser.logIn()
            let jobId = try await api.createScriptJob("echo '<b>bold</b> & <script>alert(2)</script>'\n", name: "<script>alert(1)</script>")
            let (run, _) = try await api.runToEnd(jobId: jobId)
            let runId = try #require(run["id"].string)
            for path in ["/", "/jobs", "/jobs/\(jobId)", "/runs/\(runId)"] {
                let html = try await browser.page(path)
                #expect(!html.contains("<script>alert"), "\(path) carries raw HTML")
                #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(path) shows the name as text")
            }
            #expect(try await browser.page("/runs/\(runId)").contains("&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;alert(2)"))
            let item = try #require(try JSON(try await api.get("/customJobs/\(jobId)/")).array("items").first?["id"].string)
            #expect(try await browser.page("/jobs/\(jobId)/files/\(item)").contains("echo &#39;&lt;b&gt;bold") )
        }
    }

    @Test("the run form types each value by its definition and starts a run; without the CSRF token nothing starts")
    func runForm() async throws {
        try await withServer { api in
            var browser = Browser(api: api)
            let csrf = try await browser.logIn()
            let metadata = """
                name: typed
                runtimeParameterDefinitions:
                  - fieldName: STEPS
                    type: numeric
                    minValue: 1
                    maxValue: 9
                    defaultValue: 2
                  - fieldName: DRY_RUN
                    type: boolean
                    defaultValue: true
                  - fieldName: GREETING
                    type: string
                    defaultValue: hello
                """
            let jobId = try await api.createScriptJob("echo \"$STEPS $DRY_RUN $GREETING\"\n", extraFiles: [("metadata.yaml", metadata)])
            let page = try await browser.page("/jobs/\(jobId)")
            #expect(page.contains("<input type=\"number\" step=\"any\" name=\"p.STEPS\" value=\"2\" min=\"1\" max=\"9\">"), "\(page)")
            #expect(page.contains("<input type=\"checkbox\" name=\"p.DRY_RUN\" value=\"true\" checked>"))

            let refused = try await browser.send(.post, "/jobs/\(jobId)/run", form: [("p.STEPS", "5")])
            #expect(refused.status == .forbidden)
            #expect(try JSON(try await api.get("/customJobs/\(jobId)/runs/"))["totalCount"].int == 0)

            // The box left unchecked is false; STEPS 5; GREETING as it is.
            let started = try await browser.send(.post, "/jobs/\(jobId)/run",
                                                 form: [("csrf", csrf), ("p.STEPS", "5"), ("present.DRY_RUN", "1"), ("p.GREETING", ""),
                                                        ("description", "from the form")])
            #expect(started.status == .seeOther)
            let runId = try #require(started.headers[.location]?.split(separator: "/").last.map(String.init))
            let final = try await api.waitForRun(jobId, runId)
            #expect(final["description"].string == "from the form")
            #expect(final["trigger"].string == "console")
            #expect(try await api.logs(jobId, runId) == "5.0 False hello\n")

            let tooBig = try await browser.send(.post, "/jobs/\(jobId)/run", form: [("csrf", csrf), ("p.STEPS", "12")])
            #expect(tooBig.status == .unprocessableContent)
            #expect(String(buffer: tooBig.body).contains("above its maxValue 9.0"), "the form again, saying why")

            // Run again: the same values.
            let again = try await browser.send(.post, "/runs/\(runId)/again", form: [("csrf", csrf)])
            let againId = try #require(again.headers[.location]?.split(separator: "/").last.map(String.init))
            try await api.waitForRun(jobId, againId)
            #expect(try await api.logs(jobId, againId) == "5.0 False hello\n")
        }
    }

    @Test("a run's page follows its log through JSON the script polls, and cancels it")
    func followAndCancel() async throws {
        try await withServer { api in
            var browser = Browser(api: api)
            let csrf = try await browser.logIn()
            let jobId = try await api.createScriptJob("for i in 1 2 3 4 5 6 7 8 9 10; do echo \"line $i\"; sleep 0.2; done\nsleep 60\n")
            let runId = try #require(try await api.startRun(jobId).run["id"].string)
            try await api.waitForRun(jobId, runId) { $0["logSize"].int ?? 0 > 0 }
            #expect(try await browser.page("/runs/\(runId)").contains("id=\"log\" data-run=\"\(runId)\""))
            var offset = 0, seen = ""
            for _ in 0..<40 where !seen.contains("line 10\n") {
                let piece = try JSON(try await browser.send(.get, "/runs/\(runId)/log?offset=\(offset)", json: true))
                seen += piece["text"].string ?? ""
                offset = piece["offset"].int ?? offset
                #expect(piece["final"].bool == false)
                #expect(piece["summary"].string?.contains("running") == true)
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(seen.hasPrefix("line 1\nline 2\n") && seen.contains("line 10\n"), "\(seen)")
            #expect(try await browser.send(.post, "/runs/\(runId)/cancel", form: []).status == .forbidden)
            let canceled = try await browser.send(.post, "/runs/\(runId)/cancel", form: [("csrf", csrf)])
            #expect(canceled.status == .seeOther)
            #expect(try await api.waitForRun(jobId, runId)["status"].string == "canceled")
            let last = try JSON(try await browser.send(.get, "/runs/\(runId)/log?offset=\(offset)", json: true))
            #expect(last["final"].bool == true && last["cancellable"].bool == false)
            #expect(try await browser.page("/runs/\(runId)").contains("id=\"cancel\" hidden"), "no Cancel for a run that has ended")
            let download = try await browser.send(.get, "/runs/\(runId)/log/download")
            #expect(download.headers[.contentDisposition] == "attachment; filename=\"\(runId).log\"")
            #expect(String(buffer: download.body).hasPrefix("line 1\n"))
        }
    }

    @Test("each user sees only the jobs and runs they have a role on; an OBSERVER gets no run form")
    func roles() async throws {
        try await withServer { admin in
            let bobClient = try admin.addUser("bob")
            var bob = Browser(api: bobClient)
            _ = try await bob.logIn()
            let secret = try await admin.createScriptJob("echo secret\n", name: "admins-only")
            let shared = try await admin.createScriptJob("echo shared\n", name: "shared-one")
            try await admin.share(shared, with: "bob", as: "OBSERVER")
            let (run, _) = try await admin.runToEnd(jobId: secret)
            let runId = try #require(run["id"].string)
            let runs = try await bob.page("/")
            #expect(!runs.contains("admins-only") && !runs.contains(runId))
            let jobs = try await bob.page("/jobs")
            #expect(jobs.contains("shared-one") && !jobs.contains("admins-only"))
            #expect(try await bob.send(.get, "/runs/\(runId)").status == .notFound)
            #expect(try await bob.send(.get, "/jobs/\(secret)").status == .notFound)
            #expect(try await bob.page("/jobs/\(shared)").contains("does not let you start runs"))
            let csrf = ConsoleSession.csrf(for: bobClient.token)
            #expect(try await bob.send(.post, "/jobs/\(shared)/run", form: [("csrf", csrf)]).status == .forbidden)
        }
    }

    @Test("the runs list pages by run (older, newer), 50 at a time")
    func paging() async throws {
        try await withServer { api in
            var browser = Browser(api: api)
            _ = try await browser.logIn()
            let jobId = try await api.createScriptJob("true\n")
            var runs: [String] = []
            for _ in 0..<53 { runs.append(try #require(try await api.startRun(jobId).run["id"].string)) }
            for run in runs { try await api.waitForRun(jobId, run, timeout: 120) }
            func shown(_ html: String) -> [String] { runs.filter { html.contains("<code>\($0)</code>") } }
            func link(_ name: String, in html: String) throws -> String {
                let marker = "\">\(name)</a>"
                let end = try #require(html.range(of: marker), "no \(name) link").lowerBound
                let start = try #require(html[..<end].range(of: "href=\"", options: .backwards)).upperBound
                return String(html[start..<end]).replacingOccurrences(of: "&amp;", with: "&")
            }
            let first = try await browser.page("/")
            #expect(shown(first) == Array(runs.suffix(50)), "the newest 50")
            #expect(first.contains("53 run(s)") && !first.contains(">newer<"))
            let older = try await browser.page(try link("older", in: first))
            #expect(shown(older) == Array(runs.prefix(3)))
            #expect(!older.contains(">older<"))
            let back = try await browser.page(try link("newer", in: older))
            #expect(shown(back) == Array(runs.suffix(50)))
        }
    }

    @Test("the runs list filters by status, job, trigger and a parameter's value, and refreshes as JSON with the gauge")
    func filters() async throws {
        try await withServer { api in
            var browser = Browser(api: api)
            _ = try await browser.logIn()
            let metadata = "runtimeParameterDefinitions:\n  - fieldName: MODE\n    type: string\n"
            let jobId = try await api.createScriptJob("[ \"$MODE\" = bad ] && exit 4\necho ok\n", name: "modal", extraFiles: [("metadata.yaml", metadata)])
            let good = try await api.startRun(jobId, body: #"{"runtimeParameterValues": [{"fieldName": "MODE", "type": "string", "value": "good"}]}"#)
            let bad = try await api.startRun(jobId, body: #"{"runtimeParameterValues": [{"fieldName": "MODE", "type": "string", "value": "bad"}]}"#)
            let goodId = try #require(good.run["id"].string), badId = try #require(bad.run["id"].string)
            try await api.waitForRun(jobId, goodId)
            try await api.waitForRun(jobId, badId)
            let all = try await browser.page("/")
            #expect(all.contains("2 run(s)") && !all.contains(">newer<") && !all.contains(">older<"), "one page: no pager links")
            #expect(!all.contains("class=\"error\""))
            let failed = try await browser.page("/?status=failed")
            #expect(failed.contains(badId) && !failed.contains(goodId) && failed.contains("failed: exit 4"))
            let byParameter = try await browser.page("/?param=MODE%3Dgood")
            #expect(byParameter.contains(goodId) && !byParameter.contains(badId))
            #expect(try await browser.page("/?trigger=schedule").contains("No runs match these filters."))
            #expect(try await browser.page("/?trigger=api").contains(goodId))
            #expect(try await browser.page("/?trigger=console").contains("No runs match these filters."))
            #expect(try await browser.page("/?job=\(jobId)").contains(goodId))
            let fragment = try JSON(try await browser.send(.get, "/console/runs?status=succeeded", json: true))
            #expect(fragment["table"].string?.contains(goodId) == true)
            #expect(fragment["gauge"].string?.contains("/ 3 running") == true)
            #expect(try await browser.send(.get, "/?status=finished").status == .unprocessableContent)
        }
    }
}
