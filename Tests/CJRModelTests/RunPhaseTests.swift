import Testing
import CJRModel

@Suite("RunPhase: what the wire's status leaves out")
struct RunPhaseTests {
    @Test("a running run is queued until a worker starts it; canceling is ending; the rest ended")
    func phases() {
        #expect(RunPhase(status: .running, started: false) == .queued)
        #expect(RunPhase(status: .running, started: true) == .executing)
        #expect(RunPhase(status: .canceling, started: true) == .ending)
        for status in [RunStatus.succeeded, .failed, .interrupted, .canceled] {
            #expect(RunPhase(status: status, started: true) == .ended)
            #expect(RunPhase(status: status, started: false) == .ended, "a queued run canceled never started")
        }
    }
}
