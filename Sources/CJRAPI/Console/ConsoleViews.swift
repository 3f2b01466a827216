import Foundation
import CJRModel
import CJRRunner

/// What the console's templates render: plain values, already in words (Mustache has no
/// logic), with `Bool` flags where a template chooses.
enum ConsoleViews {
    /// Header parts of every signed-in page.
    struct Chrome: ConsoleView {
        var username: String
        var csrf: String
        var gauge: Gauge
        var onRuns = false
        var onJobs = false
    }

    struct Gauge: ConsoleView {
        var executing: Int
        var maxRuns: Int
        var queued: Int
    }

    /// A run in a list or a summary, in words.
    struct RunLine: ConsoleView {
        var id: String
        var jobId: String
        var jobName: String
        var statusText: String
        var statusClass: String
        var explanation: String
        var created: String
        var started: String
        var ended: String
        var duration: String
        var exit: String
        var trigger: String
        var description: String
        var final: Bool
        var cancellable: Bool

        var fields: [String: Any]? {
            ["id": id, "jobId": jobId, "jobName": jobName, "statusText": statusText, "statusClass": statusClass,
             "explanation": explanation, "created": created, "started": started, "ended": ended, "duration": duration,
             "exit": exit, "trigger": trigger, "description": description, "final": final, "cancellable": cancellable]
        }

        init(_ run: CustomJobRun, jobName: String) {
            id = run.id
            jobId = run.customJobId
            self.jobName = jobName
            (statusText, statusClass, explanation) = Self.status(of: run)
            created = ConsoleViews.time(run.created)
            started = run.startedAt.map(ConsoleViews.time) ?? "—"
            ended = run.endedAt.map(ConsoleViews.time) ?? "—"
            duration = run.startedAt == nil ? "—" : ConsoleViews.duration(run.duration())
            exit = run.exitCode.map(String.init) ?? (run.signal.map { "signal \($0)" } ?? "—")
            trigger = ConsoleViews.words(for: run.trigger)
            description = run.description
            final = run.status.isFinal
            cancellable = !run.status.isFinal && run.status != .canceling
        }

        /// The status as a word or two, its CSS class, and a sentence on how it ended.
        static func status(of run: CustomJobRun) -> (String, String, String) {
            switch run.phase {
            case .queued:
                guard let position = run.queuePosition else {
                    return ("queued", "queued", "A worker has it: being prepared, or waiting for the cluster to start it (its log says why).")
                }
                let place = position + 1
                return ("queued (\(place.ordinal))", "queued", "Waiting for a free worker: \(place.ordinal) in line.")
            case .executing:
                return ("running", "running", "Running.")
            case .ending:
                return ("canceling", "canceling", "Stopping its processes.")
            case .ended:
                break
            }
            let reason = run.endReason
            switch run.status {
            case .succeeded:
                return ("succeeded", "succeeded", "The entry point exited 0.")
            case .failed:
                guard let reason else { return ("failed", "failed", "It failed.") }
                let sentence = switch reason {
                case .exited: "The entry point exited \(run.exitCode ?? -1)."
                case .signaled: "Signal \(run.signal ?? 0) ended the entry point."
                case .timeout: "It ran past its timeout and was stopped."
                case .outOfMemory: "The kernel killed a process of it for exceeding its memory limit."
                case .processLimit: "It tried to exceed its resource bundle's process limit."
                case .launchFailed: "It could not be started; its log says why."
                case .canceled, .interrupted: "It failed."
                }
                return ("failed: \(reason.words(exitCode: run.exitCode, signal: run.signal))", "failed", sentence)
            case .canceled:
                return ("canceled", "canceled", "Someone canceled it.")
            case .interrupted:
                return ("interrupted", "interrupted", "The server stopped while it was executing.")
            case .running, .canceling:
                return (run.status.rawValue, "running", "")
            }
        }
    }

    /// How the console names what started a run.
    static func words(for trigger: RunTrigger) -> String {
        switch trigger {
        case .api: "API"
        case .console: "console (manual)"
        case .schedule: "schedule"
        case .cli: "cjr run"
        }
    }

    /// `2026-11-30 18:05:03 UTC`
    static func time(_ timestamp: Timestamp) -> String {
        let iso = timestamp.iso8601
        return iso.prefix(10) + " " + iso.dropFirst(11).prefix(8) + " UTC"
    }

    /// `0.4 s`, `12.3 s`, `4 min 5 s`, `2 h 3 min`.
    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds)
        if whole < 3_600 { return "\(whole / 60) min \(whole % 60) s" }
        return "\(whole / 3_600) h \(whole % 3_600 / 60) min"
    }

    /// A value as a form or a table shows it.
    static func text(_ value: RuntimeParameterValue?) -> String {
        switch value {
        case nil: ""
        case .string(let text)?: text
        case .numeric(let number)?: number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .boolean(let flag)?: flag ? "true" : "false"
        }
    }

    /// Output as the console shows it: escape sequences (colours) removed, text kept.
    static func plain(_ bytes: [UInt8]) -> String {
        var filter = TerminalText()
        return String(decoding: filter.plain(bytes), as: UTF8.self)
    }
}
