import Foundation
import CJRModel

/// How a run ended, decided from what the launcher reported, whether cjr stopped it and
/// why, and which resource limit it ran into; with the `[cjr]` lines that explain it.
/// Pure: every rule of it is in this file, and `RunDecisionTests` tries each.
struct RunDecision: Equatable {
    var outcome: RunOutcome
    /// Lines for the end of the run's log, in order.
    var notes: [String]

    /// What the notes need to say.
    struct Context {
        var timeoutSeconds: Int
        var graceSeconds: Double
        var bundle: ResourceBundle
    }

    /// Rules, in order:
    /// - a sandbox that could not be set up is `launchFailed`, whatever else happened;
    /// - a stop (cancel, timeout, shutdown) is what ended the run, with the entry point's
    ///   exit code or signal as far as it got one;
    /// - otherwise the entry point's own status: 0 succeeded, else failed;
    /// - a limit the kernel enforced (OOM kill first, then the process limit) explains a
    ///   failure the entry point's exit or a signal shows; it never replaces a stop, and is
    ///   noted either way (a run that succeeded regardless "went on").
    static func decide(status: LauncherStatus?, stopped: RunControl.Reason?, outOfMemoryKills: Int, processLimitHits: Int,
                       context: Context) -> RunDecision {
        if status == .setupFailed {
            return RunDecision(outcome: RunOutcome(status: .failed, reason: .launchFailed),
                               notes: ["the run's sandbox could not be set up (cjr-launch said why, above); the entry point never ran"])
        }
        var outcome = outcome(status: status, stopped: stopped)
        let limit: RunEndReason? = outOfMemoryKills > 0 ? .outOfMemory : processLimitHits > 0 ? .processLimit : nil
        if let limit, outcome.status == .failed, [.exited, .signaled].contains(outcome.reason) { outcome.reason = limit }
        var notes: [String] = []
        if let note = note(for: outcome, context: context) { notes.append(note) }
        if let limit, outcome.reason != limit, let note = limitNote(limit, bundle: context.bundle) {
            notes.append(note + (outcome.status == .succeeded ? " (the run went on)" : ""))
        }
        return RunDecision(outcome: outcome, notes: notes)
    }

    private static func outcome(status: LauncherStatus?, stopped: RunControl.Reason?) -> RunOutcome {
        var exitCode: Int?
        var signal: Int?
        switch status {
        case .exited(let code)?: exitCode = code
        case .signaled(let number)?: exitCode = 128 + number; signal = number
        case .setupFailed?, nil: break
        }
        switch stopped {
        case .canceled?: return RunOutcome(status: .canceled, reason: .canceled, exitCode: exitCode, signal: signal)
        case .timeout?: return RunOutcome(status: .failed, reason: .timeout, exitCode: exitCode, signal: signal)
        case .interrupted?: return RunOutcome(status: .interrupted, reason: .interrupted, exitCode: exitCode, signal: signal)
        case nil: break
        }
        switch status {
        case .exited(0)?: return RunOutcome(status: .succeeded, reason: .exited, exitCode: 0)
        case .exited?: return RunOutcome(status: .failed, reason: .exited, exitCode: exitCode)
        case .signaled?: return RunOutcome(status: .failed, reason: .signaled, exitCode: exitCode, signal: signal)
        case .setupFailed?, nil: return RunOutcome(status: .failed, reason: .launchFailed)
        }
    }

    static func limitNote(_ reason: RunEndReason, bundle: ResourceBundle) -> String? {
        switch reason {
        case .outOfMemory:
            "out of memory: the kernel killed a process of the run for exceeding the memory limit of "
                + "\(bundle.memoryBytes >> 20) MiB (resource bundle \(bundle.id))"
        case .processLimit:
            "process limit: the run tried to have more than \(bundle.maxProcesses) processes and threads at once "
                + "(resource bundle \(bundle.id)); forks beyond it failed"
        default:
            nil
        }
    }

    private static func note(for outcome: RunOutcome, context: Context) -> String? {
        let grace = context.graceSeconds.plainText
        switch outcome.reason {
        case .timeout:
            return "timed out after \(context.timeoutSeconds) s (maxCustomJobTimeout): every process of the run was sent SIGTERM, "
                + "then SIGKILL after \(grace) s"
        case .canceled:
            return "canceled: every process of the run was sent SIGTERM, then SIGKILL after \(grace) s"
        case .interrupted:
            return "interrupted: the server stopped while the run was executing"
        case .signaled:
            return "the entry point was killed by signal \(outcome.signal ?? 0)"
        case .launchFailed:
            return "the launcher ended without reporting the entry point's status"
        case .exited:
            return nil
        case .outOfMemory, .processLimit:
            return limitNote(outcome.reason, bundle: context.bundle)
        }
    }
}
