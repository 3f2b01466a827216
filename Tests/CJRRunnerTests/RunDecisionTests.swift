import Testing
import CJRModel
@testable import CJRRunner

@Suite("How a run ended: RunDecision.decide, rule by rule")
struct RunDecisionTests {
    static let context = RunDecision.Context(timeoutSeconds: 60, graceSeconds: 5, bundle: ResourceBundles.builtIn.bundle(id: "cpu.micro")!)

    struct Case: Sendable, CustomTestStringConvertible {
        var status: LauncherStatus?
        var stopped: RunControl.Reason?
        var oomKills = 0
        var pidsHits = 0
        var outcome: RunOutcome
        var notes: [String]
        var testDescription: String { "\(status.map { "\($0)" } ?? "no status"), stopped \(stopped.map { "\($0)" } ?? "-"), oom \(oomKills), pids \(pidsHits)" }
    }

    static let oom = "out of memory: the kernel killed a process of the run for exceeding the memory limit of 256 MiB (resource bundle cpu.micro)"
    static let pids = "process limit: the run tried to have more than 64 processes and threads at once (resource bundle cpu.micro); forks beyond it failed"

    static let cases: [Case] = [
        Case(status: .exited(0), outcome: RunOutcome(status: .succeeded, reason: .exited, exitCode: 0), notes: []),
        Case(status: .exited(3), outcome: RunOutcome(status: .failed, reason: .exited, exitCode: 3), notes: []),
        Case(status: .signaled(9), outcome: RunOutcome(status: .failed, reason: .signaled, exitCode: 137, signal: 9),
             notes: ["the entry point was killed by signal 9"]),
        // An exit 137 is not a SIGKILL.
        Case(status: .exited(137), outcome: RunOutcome(status: .failed, reason: .exited, exitCode: 137), notes: []),
        Case(status: nil, outcome: RunOutcome(status: .failed, reason: .launchFailed),
             notes: ["the launcher ended without reporting the entry point's status"]),
        // A sandbox that could not be set up wins over everything, a stop included.
        Case(status: .setupFailed, stopped: .canceled, oomKills: 1, outcome: RunOutcome(status: .failed, reason: .launchFailed),
             notes: ["the run's sandbox could not be set up (cjr-launch said why, above); the entry point never ran"]),
        // Stops keep the entry point's status as far as it got one.
        Case(status: .signaled(15), stopped: .canceled, outcome: RunOutcome(status: .canceled, reason: .canceled, exitCode: 143, signal: 15),
             notes: ["canceled: every process of the run was sent SIGTERM, then SIGKILL after 5 s"]),
        Case(status: .signaled(9), stopped: .timeout, outcome: RunOutcome(status: .failed, reason: .timeout, exitCode: 137, signal: 9),
             notes: ["timed out after 60 s (maxCustomJobTimeout): every process of the run was sent SIGTERM, then SIGKILL after 5 s"]),
        Case(status: .exited(0), stopped: .interrupted, outcome: RunOutcome(status: .interrupted, reason: .interrupted, exitCode: 0),
             notes: ["interrupted: the server stopped while the run was executing"]),
        // A limit explains a failure...
        Case(status: .signaled(9), oomKills: 1, outcome: RunOutcome(status: .failed, reason: .outOfMemory, exitCode: 137, signal: 9),
             notes: [oom]),
        Case(status: .exited(3), pidsHits: 2, outcome: RunOutcome(status: .failed, reason: .processLimit, exitCode: 3), notes: [pids]),
        // ...out of memory first...
        Case(status: .exited(1), oomKills: 1, pidsHits: 1, outcome: RunOutcome(status: .failed, reason: .outOfMemory, exitCode: 1),
             notes: [oom]),
        // ...never replaces a stop, but is noted...
        Case(status: .signaled(9), stopped: .timeout, oomKills: 1,
             outcome: RunOutcome(status: .failed, reason: .timeout, exitCode: 137, signal: 9),
             notes: ["timed out after 60 s (maxCustomJobTimeout): every process of the run was sent SIGTERM, then SIGKILL after 5 s", oom]),
        // ...and does not blame a run that succeeded regardless.
        Case(status: .exited(0), pidsHits: 1, outcome: RunOutcome(status: .succeeded, reason: .exited, exitCode: 0),
             notes: [pids + " (the run went on)"]),
    ]

    @Test("each rule", arguments: cases)
    func decide(_ example: Case) {
        let decision = RunDecision.decide(status: example.status, stopped: example.stopped, outOfMemoryKills: example.oomKills,
                                          processLimitHits: example.pidsHits, context: Self.context)
        #expect(decision.outcome == example.outcome)
        #expect(decision.notes == example.notes)
    }
}
