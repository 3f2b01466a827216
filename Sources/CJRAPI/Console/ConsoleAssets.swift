/// The console's one stylesheet and one script, written for it (no framework, nothing loaded
/// from elsewhere). The pages work without the script; it only makes them live: the runs
/// table and the pool gauge are fetched again every 2 s, a followed log every 0.5 s while
/// its run has not ended (a few requests per second per open page at most).
enum ConsoleAssets {
    static let css = """
        :root { --fg: #1d2330; --muted: #667085; --line: #e3e6ec; --bg: #fafbfc; --accent: #2257d6;
                --ok: #157f3b; --bad: #c0362c; --warn: #a15c00; --idle: #6b7280; }
        * { box-sizing: border-box; }
        [hidden] { display: none !important; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
        header { display: flex; align-items: center; gap: 1.2rem; padding: .6rem 1.2rem; background: #fff; border-bottom: 1px solid var(--line); }
        header .brand { font-weight: 700; font-size: 1.1rem; color: var(--fg); text-decoration: none; }
        header nav a { margin-right: .9rem; color: var(--muted); text-decoration: none; }
        header nav a.here { color: var(--fg); font-weight: 600; }
        header .gauge { margin-left: auto; color: var(--muted); }
        header .user { color: var(--muted); }
        main { padding: 1rem 1.2rem 3rem; max-width: 1200px; }
        h1 { font-size: 1.35rem; margin: .4rem 0 1rem; } h2 { font-size: 1.05rem; margin: 1.6rem 0 .5rem; }
        a { color: var(--accent); }
        code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, monospace; }
        table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
        th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
        td.empty { color: var(--muted); text-align: center; padding: 1.2rem; }
        .badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: 12px; font-weight: 600; border: 1px solid; white-space: nowrap; }
        .badge.succeeded { color: var(--ok); } .badge.failed { color: var(--bad); } .badge.running { color: var(--accent); }
        .badge.queued, .badge.canceling { color: var(--warn); } .badge.canceled, .badge.interrupted { color: var(--idle); }
        .strip .dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 3px; background: var(--idle); }
        .dot.succeeded { background: var(--ok); } .dot.failed { background: var(--bad); } .dot.running { background: var(--accent); }
        .dot.queued, .dot.canceling { background: var(--warn); }
        .filters { display: flex; flex-wrap: wrap; gap: .8rem; align-items: end; margin-bottom: 1rem; }
        .filters label, .runform label, .login label { display: flex; flex-direction: column; gap: .2rem; color: var(--muted); font-size: 12px; }
        input, select, button { font: inherit; padding: .3rem .5rem; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
        button { cursor: pointer; background: var(--accent); color: #fff; border-color: var(--accent); }
        button.danger { background: var(--bad); border-color: var(--bad); }
        button.link { background: none; border: none; color: var(--accent); padding: 0; }
        form.inline { display: inline; }
        .actions { display: flex; gap: .8rem; align-items: center; margin: .8rem 0; }
        .runform { display: grid; gap: .8rem; max-width: 560px; background: #fff; border: 1px solid var(--line); padding: 1rem; border-radius: 8px; }
        .runform label span { color: var(--fg); }
        .runform input[type=checkbox] { align-self: flex-start; width: 1.1rem; height: 1.1rem; }
        .login { display: grid; gap: .8rem; max-width: 360px; }
        pre { background: #0f1420; color: #e7ebf3; padding: .8rem; border-radius: 8px; overflow: auto; max-height: 70vh; white-space: pre-wrap; word-break: break-all; }
        pre.file { background: #fff; color: var(--fg); border: 1px solid var(--line); }
        dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; background: #fff; border: 1px solid var(--line); padding: .8rem; border-radius: 8px; }
        dl.summary dt { color: var(--muted); }
        dl.summary dd { margin: 0; }
        .muted { color: var(--muted); } .error { color: var(--bad); font-weight: 600; }
        .pager { color: var(--muted); }
        ul.files { padding-left: 1.1rem; }
        """

    static let javascript = """
        "use strict";
        // Live updates for the console; every page works without this file.
        (function () {
          function every(ms, task) {
            var busy = false;
            setInterval(function () {
              if (busy || document.hidden) return;
              busy = true;
              task().catch(function () {}).then(function () { busy = false; });
            }, ms);
          }
          function get(url) {
            return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } }).then(function (response) {
              if (!response.ok) throw new Error(response.status);
              return response.json();
            });
          }
          // Runs page: the table and the gauge, every 2 s, rendered (and escaped) by the server.
          var runs = document.getElementById("runs");
          if (runs) {
            every(2000, function () {
              return get(runs.dataset.refresh).then(function (data) {
                runs.innerHTML = data.table;
                document.getElementById("gauge").innerHTML = data.gauge;
              });
            });
          }
          // Run page: follow the log (appended as text, never as HTML) and the summary.
          var log = document.getElementById("log");
          if (log) {
            var final = document.querySelector("#summary dl").dataset.final === "true";
            var offset = parseInt(log.dataset.offset, 10) || 0;
            function follow() {
              return get("/runs/" + log.dataset.run + "/log?offset=" + offset).then(function (data) {
                if (data.text) {
                  var atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
                  log.appendChild(document.createTextNode(data.text));
                  if (atBottom) log.scrollTop = log.scrollHeight;
                }
                offset = data.offset;
                document.getElementById("summary").innerHTML = data.summary;
                document.getElementById("gauge").innerHTML = data.gauge;
                document.getElementById("cancel").hidden = !data.cancellable;
                final = data.final;
              });
            }
            every(500, function () { return final ? Promise.resolve() : follow(); });
          }
        })();
        """
}
