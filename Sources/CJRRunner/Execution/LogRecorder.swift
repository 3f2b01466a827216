import Foundation
import CJRStore

/// Streams a run's output into the store as it is produced, with bounded memory: bytes are
/// gathered up to ``chunkBytes`` and flushed then, or by ``flushIfStale()`` when output
/// pauses, so a reader sees recent lines within a fraction of a second.
///
/// Output past the run's cap is dropped with one marker line; the run keeps going. cjr's
/// own notes (`[cjr] …`) are always kept.
actor LogRecorder {
    static let chunkBytes = 64 * 1024
    static let staleAfter: Duration = .milliseconds(200)

    private let store: RunStore
    private let runId: String
    private let maxBytes: Int64
    private var buffer: [UInt8] = []
    private var kept: Int64 = 0
    private var dropped: Int64 = 0
    private var lastFlush = ContinuousClock.now
    private var truncationNoted = false
    private var lastByte: UInt8 = 10
    private var flushing: Task<Void, any Error>?

    init(store: RunStore, runId: String, maxBytes: Int64) {
        self.store = store
        self.runId = runId
        self.maxBytes = maxBytes
        buffer.reserveCapacity(Self.chunkBytes)
    }

    func append(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        let room = max(0, maxBytes - kept)
        let keep = bytes.prefix(Int(min(Int64(bytes.count), room)))
        buffer += keep
        kept += Int64(keep.count)
        if let last = keep.last { lastByte = last }
        if keep.count < bytes.count {
            dropped += Int64(bytes.count - keep.count)
            if !truncationNoted {
                truncationNoted = true
                try await flush(truncated: true)
                try await note("log truncated: output beyond \(maxBytes) bytes is discarded; the run goes on")
            }
        }
        if buffer.count >= Self.chunkBytes { try await flush() }
    }

    /// Appends a line of cjr's own, on a line of its own.
    func note(_ text: String) async throws {
        let prefix = lastByte == 10 ? "" : "\n"
        buffer += Array("\(prefix)[cjr] \(text)\n".utf8)
        lastByte = 10
        try await flush()
    }

    func flushIfStale() async throws {
        if !buffer.isEmpty && ContinuousClock.now - lastFlush >= Self.staleAfter { try await flush() }
    }

    /// Flushes what is buffered and reports dropped output.
    func finish() async throws {
        if dropped > 0 { try await note("\(dropped) bytes of output were discarded") }
        try await flush()
    }

    /// Writes the buffer as the next chunk. Flushes never overlap (the actor is re-entered
    /// while one awaits the store), so chunks commit in order and a follower reading
    /// "after chunk n" never skips one.
    private func flush(truncated: Bool = false) async throws {
        while let inFlight = flushing { try await inFlight.value }
        lastFlush = .now
        guard !buffer.isEmpty || truncated else { return }
        let data = buffer
        buffer.removeAll(keepingCapacity: true)
        let write = Task { [store, runId] in try await store.appendLog(runId: runId, data: data, truncated: truncated) }
        flushing = write
        defer { flushing = nil }
        try await write.value
    }
}
