import Foundation
import CJRModel
import CJRStore

/// Copies a run's log from the data directory to stdout as it grows, until the run ends
/// (`follow`) or once: `cjr logs`, and `cjr run` for the run it executes. A change made by
/// this process wakes it at once; one made by another (a server) within 200 ms.
struct StoreLogFollower {
    let store: RunStore

    func copy(jobId: String, runId: String, follow: Bool) async throws {
        var sent: Int64 = 0
        while true {
            let seen = store.signals.generation(of: runId)
            let state = try await store.logState(jobId: jobId, runId: runId)
            if state.committedBytes < sent { sent = 0 } // the log was deleted and began again
            if state.committedBytes > sent, let handle = try? FileHandle(forReadingFrom: state.file) {
                defer { try? handle.close() }
                try handle.seek(toOffset: UInt64(sent))
                var remaining = state.committedBytes - sent
                while remaining > 0, let piece = try handle.read(upToCount: Int(min(remaining, 1 << 20))), !piece.isEmpty {
                    try? FileHandle.standardOutput.write(contentsOf: piece)
                    remaining -= Int64(piece.count)
                }
                sent = state.committedBytes - remaining
            }
            guard follow, !state.runEnded else { return }
            await store.signals.wait(for: runId, after: seen, upTo: .milliseconds(200))
        }
    }
}
