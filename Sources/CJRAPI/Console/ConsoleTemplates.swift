import Mustache

/// The console's pages as Mustache templates, compiled once. Every `{{value}}` is
/// HTML-escaped by Mustache; the only unescaped values (`{{{…}}}`) are fragments these
/// templates rendered themselves. Sections test `Bool`s (`hasError`), not strings: this
/// Mustache takes an empty string as true. Pages extend `layout` (Mustache template inheritance),
/// which draws the header, the pool gauge and the log-out form from the page's `chrome`.
enum ConsoleTemplates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in sources {
            do {
                try library.register(text, named: name)
            } catch {
                fatalError("console template \(name) does not parse: \(error)") // a bug in this file, caught by any test
            }
        }
        return library
    }()

    static func render(_ view: any ConsoleView, _ template: String) -> String {
        library.render(prepared(view), withTemplate: template) ?? "template \(template) is missing"
    }

    /// `value` with each of the console's view structs (``ConsoleView``) turned into a
    /// dictionary of its stored properties, once. Mustache looks a struct's names up by
    /// reflecting it anew for every name at every level of its context stack (most of a
    /// long runs page's time); in a dictionary it is one lookup. Other values (strings,
    /// numbers, Bools, nil) stay as they are, so sections and escaping work as before; the
    /// common ones without a reflection at all.
    static func prepared(_ value: Any) -> Any {
        switch value {
        case is String, is Bool, is Int, is Int64, is Double:
            return value
        case let view as any ConsoleView: // unwrapped, should it come as an Optional
            if let fields = view.fields { return fields.mapValues(prepared) }
            var fields: [String: Any] = [:]
            for child in Mirror(reflecting: view).children {
                if let label = child.label { fields[label] = prepared(child.value) }
            }
            return fields
        default:
            break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .collection?:
            return mirror.children.map { prepared($0.value) }
        case .optional?:
            return mirror.children.first.map { prepared($0.value) } ?? value
        default:
            return value
        }
    }

    static let sources: [String: String] = [
        "layout": """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{title}} · cjr</title>
            <link rel="stylesheet" href="/console.css">
            </head>
            <body>
            <header>
            <a class="brand" href="/">cjr</a>
            {{#chrome}}
            <nav><a href="/"{{#onRuns}} class="here"{{/onRuns}}>Runs</a><a href="/jobs"{{#onJobs}} class="here"{{/onJobs}}>Jobs</a></nav>
            <span id="gauge" class="gauge">{{> gauge}}</span>
            <span class="user">{{username}}</span>
            <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button class="link">Log out</button></form>
            {{/chrome}}
            </header>
            <main>
            {{$content}}{{/content}}
            </main>
            <script src="/console.js"></script>
            </body>
            </html>
            """,
        "gauge": """
            {{#gauge}}<span title="runs executing / maxCustomJobRuns">{{executing}} / {{maxRuns}} running</span> · <span>{{queued}} queued</span>{{/gauge}}
            """,
        "login": """
            {{<layout}}{{$content}}
            <h1>Log in</h1>
            {{#hasError}}<p class="error">{{error}}</p>{{/hasError}}
            <form method="post" action="/login" class="login">
            <label>API token <input type="password" name="token" autocomplete="off" autofocus required></label>
            <button>Log in</button>
            </form>
            <p class="muted">The same token as for the API: <code>cjr token</code> prints the administrator's, <code>cjr tokens create --user NAME</code> makes one for a user.</p>
            {{/content}}{{/layout}}
            """,
        "error": """
            {{<layout}}{{$content}}
            <h1>{{heading}}</h1>
            <p class="error">{{message}}</p>
            <p><a href="{{back}}">Back</a></p>
            {{/content}}{{/layout}}
            """,
        "runs": """
            {{<layout}}{{$content}}
            <h1>Runs</h1>
            <form class="filters" method="get" action="/">
            <label>Status <select name="status">{{#statuses}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statuses}}</select></label>
            <label>Job <select name="job"><option value="">all jobs</option>{{#jobs}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/jobs}}</select></label>
            <label>Trigger <select name="trigger">{{#triggers}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/triggers}}</select></label>
            <label>Parameter <input name="param" value="{{param}}" placeholder="NAME=value"></label>
            <button>Filter</button>
            </form>
            <div id="runs" data-refresh="/console/runs{{query}}">{{> runsTable}}</div>
            {{/content}}{{/layout}}
            """,
        "runsTable": """
            {{#table}}
            <table class="runs">
            <thead><tr><th>Status</th><th>Job</th><th>Run</th><th>Started</th><th>Duration</th><th>Exit</th><th>Trigger</th></tr></thead>
            <tbody>
            {{#runs}}<tr><td><span class="badge {{statusClass}}">{{statusText}}</span></td><td><a href="/jobs/{{jobId}}">{{jobName}}</a></td><td><a href="/runs/{{id}}"><code>{{id}}</code></a></td><td>{{started}}</td><td>{{duration}}</td><td>{{exit}}</td><td>{{trigger}}</td></tr>
            {{/runs}}
            {{^runs}}<tr><td colspan="7" class="empty">No runs{{#filtered}} match these filters{{/filtered}}.</td></tr>{{/runs}}
            </tbody>
            </table>
            <p class="pager">{{total}} run(s){{#hasNewer}} · <a href="{{newer}}">newer</a>{{/hasNewer}}{{#hasOlder}} · <a href="{{older}}">older</a>{{/hasOlder}}</p>
            {{/table}}
            """,
        "run": """
            {{<layout}}{{$content}}
            <h1>Run <code>{{id}}</code> of <a href="/jobs/{{jobId}}">{{jobName}}</a></h1>
            {{#hasError}}<p class="error">{{error}}</p>{{/hasError}}
            <div id="summary">{{> runSummary}}</div>
            <div class="actions">
            <form method="post" action="/runs/{{id}}/cancel" class="inline" id="cancel"{{^summary.cancellable}} hidden{{/summary.cancellable}}><input type="hidden" name="csrf" value="{{chrome.csrf}}"><button class="danger">Cancel</button></form>
            {{#canRun}}<form method="post" action="/runs/{{id}}/again" class="inline"><input type="hidden" name="csrf" value="{{chrome.csrf}}"><button>Run again</button></form>{{/canRun}}
            <a href="/runs/{{id}}/log/download">Download log</a>
            </div>
            <h2>Log</h2>
            {{#logCut}}<p class="muted">Showing the last part of the log; download it for all of it.</p>{{/logCut}}
            <pre id="log" data-run="{{id}}" data-offset="{{logOffset}}">{{log}}</pre>
            <h2>Parameters it received</h2>
            <table class="plain"><thead><tr><th>Name</th><th>Type</th><th>Value</th></tr></thead><tbody>
            {{#parameters}}<tr><td><code>{{name}}</code></td><td>{{type}}</td><td>{{value}}</td></tr>{{/parameters}}
            {{^parameters}}<tr><td colspan="3" class="empty">None.</td></tr>{{/parameters}}
            </tbody></table>
            <h2>Files</h2>
            <ul class="files">{{#files}}<li><code>{{path}}</code> <span class="muted">{{size}}</span></li>{{/files}}</ul>
            <h2>Protections</h2>
            <ul class="files">{{#sandbox}}<li><code>{{.}}</code></li>{{/sandbox}}{{^sandbox}}<li class="muted">Not started.</li>{{/sandbox}}</ul>
            {{/content}}{{/layout}}
            """,
        "runSummary": """
            {{#summary}}
            <dl class="summary" data-final="{{final}}">
            <dt>Status</dt><dd><span class="badge {{statusClass}}">{{statusText}}</span> {{explanation}}</dd>
            <dt>Created</dt><dd>{{created}}</dd>
            <dt>Started</dt><dd>{{started}}</dd>
            <dt>Ended</dt><dd>{{ended}}</dd>
            <dt>Duration</dt><dd>{{duration}}</dd>
            <dt>Exit code</dt><dd>{{exit}}</dd>
            <dt>Trigger</dt><dd>{{trigger}}</dd>
            <dt>Description</dt><dd>{{description}}</dd>
            </dl>
            {{/summary}}
            """,
        "jobs": """
            {{<layout}}{{$content}}
            <h1>Jobs</h1>
            <table class="runs">
            <thead><tr><th>Job</th><th>Type</th><th>Last run</th><th>Recent runs</th><th>Created</th></tr></thead>
            <tbody>
            {{#jobs}}<tr><td><a href="/jobs/{{id}}">{{name}}</a></td><td>{{type}}</td><td>{{#last}}<a href="/runs/{{id}}"><span class="badge {{statusClass}}">{{statusText}}</span></a>{{/last}}{{^last}}<span class="muted">never run</span>{{/last}}</td><td class="strip">{{#recent}}<a href="/runs/{{id}}" class="dot {{statusClass}}" title="{{statusText}}"></a>{{/recent}}</td><td>{{created}}</td></tr>
            {{/jobs}}
            {{^jobs}}<tr><td colspan="5" class="empty">No jobs you may see.</td></tr>{{/jobs}}
            </tbody>
            </table>
            <p class="pager">{{total}} job(s){{#hasNewer}} · <a href="{{newer}}">newer</a>{{/hasNewer}}{{#hasOlder}} · <a href="{{older}}">older</a>{{/hasOlder}}</p>
            {{/content}}{{/layout}}
            """,
        "job": """
            {{<layout}}{{$content}}
            <h1>{{name}}</h1>
            <p class="muted">{{type}} job <code>{{id}}</code> · {{description}} · <a href="/?job={{id}}">its runs</a></p>
            {{#hasError}}<p class="error">{{error}}</p>{{/hasError}}
            <h2>Run it</h2>
            {{#canRun}}
            <form method="post" action="/jobs/{{id}}/run" class="runform">
            <input type="hidden" name="csrf" value="{{chrome.csrf}}">
            {{#fields}}
            <label><span><code>{{name}}</code> <span class="muted">{{type}}</span></span>
            {{#isBoolean}}<input type="checkbox" name="p.{{name}}" value="true"{{#checked}} checked{{/checked}}><input type="hidden" name="present.{{name}}" value="1">{{/isBoolean}}
            {{#isNumeric}}<input type="number" step="any" name="p.{{name}}" value="{{value}}"{{#hasMin}} min="{{min}}"{{/hasMin}}{{#hasMax}} max="{{max}}"{{/hasMax}}>{{/isNumeric}}
            {{#isCredential}}<select name="p.{{name}}"><option value="">(none)</option>{{#credentials}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/credentials}}</select>{{/isCredential}}
            {{#isText}}<input type="text" name="p.{{name}}" value="{{value}}">{{/isText}}
            <small>{{help}}</small>
            </label>
            {{/fields}}
            <label><span>Description</span><input type="text" name="description" maxlength="10000"></label>
            <button>Run</button>
            </form>
            {{/canRun}}
            {{^canRun}}<p class="muted">Your role on this job does not let you start runs.</p>{{/canRun}}
            <h2>Runtime parameters</h2>
            <table class="plain"><thead><tr><th>Name</th><th>Type</th><th>Default</th><th>Job value</th><th>Description</th></tr></thead><tbody>
            {{#parameters}}<tr><td><code>{{name}}</code></td><td>{{type}}</td><td>{{defaultValue}}</td><td>{{value}}</td><td>{{help}}</td></tr>{{/parameters}}
            {{^parameters}}<tr><td colspan="5" class="empty">metadata.yaml declares none.</td></tr>{{/parameters}}
            </tbody></table>
            <h2>Files</h2>
            <ul class="files">{{#files}}<li><a href="/jobs/{{jobId}}/files/{{id}}"><code>{{path}}</code></a> <span class="muted">{{size}}</span>{{#entryPoint}} <span class="badge queued">entry point</span>{{/entryPoint}}</li>{{/files}}</ul>
            {{/content}}{{/layout}}
            """,
        "file": """
            {{<layout}}{{$content}}
            <h1><code>{{path}}</code> of <a href="/jobs/{{jobId}}">{{jobName}}</a></h1>
            {{#hasText}}<pre class="file">{{text}}</pre>{{/hasText}}
            {{^hasText}}<p class="muted">{{note}}</p>{{/hasText}}
            {{/content}}{{/layout}}
            """,
    ]
}

/// A struct a console template shows: ``ConsoleTemplates/prepared(_:)`` hands it to
/// Mustache as a dictionary of its stored properties.
protocol ConsoleView {
    /// Its stored properties by name, written out by a view shown many times on a page (a
    /// row of a table), where reflecting each one is most of the page's work; nil: found by
    /// reflection. A test holds each written-out view to its reflection.
    var fields: [String: Any]? { get }
}

extension ConsoleView {
    var fields: [String: Any]? { nil }
}
