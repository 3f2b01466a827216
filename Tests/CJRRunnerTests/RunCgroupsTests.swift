import Foundation
import Synchronization
import Testing
@testable import CJRRunner

/// Finding the cgroups runs go in (`RunCgroups.detect`), as several servers in one
/// process do at once (the test suites start many side by side).
@Suite("Run cgroups: detection")
struct RunCgroupsTests {
    @Test("detections running at the same time in one process all find what one alone finds")
    func concurrentDetection() throws {
        let alone = RunCgroups.detect()
        // On every core at once, many times over: the probes' mkdir/rmdir windows overlap.
        let results = Mutex([RunCgroups]())
        DispatchQueue.concurrentPerform(iterations: 400) { _ in
            let found = RunCgroups.detect()
            results.withLock { $0.append(found) }
        }
        for cgroups in results.withLock({ $0 }) {
            #expect(cgroups.parent == alone.parent)
            #expect(cgroups.limitedResources == alone.limitedResources, "a probe of one detection must not make another's fail")
        }
    }
}
