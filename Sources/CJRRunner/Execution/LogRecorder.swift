import Foundation
import Logging
import CJRStore

/// Streams a run's output into the store as it is produced, with bounded memory: bytes are
/// gathered up to ``chunkBytes`` and flushed then, or by ``flushIfStale()`` when output
/// pauses, so a reader sees recent lines within a fraction of a second. A full chunk is
/// written while the next one fills (one write in flight at most: two chunks of memory),
/// so reading the run's output and storing it overlap.
///
/// Output past the run's cap is dropped with one marker line; the run keeps going. cjr's
/// own notes (`[cjr] …`) are always kept. A chunk the store cannot take (the data
/// directory is full) is dropped and counted, never held: the run and its bookkeeping go
/// on, and once the store takes writes again a `[cjr]` line says how much was lost.
actor LogRecorder {
    static let chunkBytes = 1024 * 1024
    static let staleAfter: Duration = .milliseconds(200)

    private let store: RunStore
    private let runId: String
    private let maxBytes: Int64
    private let logger: Logger
    private var buffer: [UInt8] = []
    private var kept: Int64 = 0
    private var dropped: Int64 = 0
    /// Bytes the store refused, not yet reported in the log.
    private var lost: Int64 = 0
    private var lostReason = ""
    private var lastFlush = ContinuousClock.now
    private var truncationNoted = false
    private var lastByte: UInt8 = 10
    /// Whether the store's last refusal may pass (a full disk), so waiting for it helps.
    private var refusalIsTransient = false
    /// The last write in the chain: each write waits for the one before, so chunks commit
    /// in order and a follower reading "after chunk n" never skips one.
    private var tail: Task<Void, Never>?

    /// With a terminal (`cjr run --tty`): where output goes as it comes, escape codes and
    /// all, while the log keeps it as plain text (``TerminalText``); cjr's notes go there too.
    private let echo: (@Sendable ([UInt8]) -> Void)?
    private var terminalText: TerminalText?

    init(store: RunStore, runId: String, maxBytes: Int64, logger: Logger = Logger(label: "cjr.runs"),
         terminalEcho: (@Sendable ([UInt8]) -> Void)? = nil) {
        self.store = store
        self.runId = runId
        self.maxBytes = maxBytes
        self.logger = logger
        echo = terminalEcho
        terminalText = terminalEcho == nil ? nil : TerminalText()
        buffer.reserveCapacity(Self.chunkBytes)
    }

    /// Bytes of output kept in the log so far (cjr's notes aside).
    var outputBytes: Int64 { kept }

    func append(_ output: [UInt8]) async {
        guard !output.isEmpty else { return }
        echo?(output)
        let bytes = terminalText?.plain(output) ?? output
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
                await flush(truncated: true)
                await note("log truncated: output beyond \(maxBytes) bytes is discarded; the run goes on")
            }
        }
        if buffer.count >= Self.chunkBytes { await flush(waitForIt: false) }
    }

    /// Appends a line of cjr's own, on a line of its own.
    func note(_ text: String) async {
        let prefix = lastByte == 10 ? "" : "\n"
        let line = Array("\(prefix)[cjr] \(text)\n".utf8)
        echo?(line)
        buffer += line
        lastByte = 10
        await flush()
    }

    func flushIfStale() async {
        if (!buffer.isEmpty || lost > 0) && ContinuousClock.now - lastFlush >= Self.staleAfter { await flush() }
    }

    /// Flushes what is buffered and reports dropped output.
    func finish() async {
        if dropped > 0 { await note("\(dropped) bytes of output were discarded") }
        await flush()
    }

    /// Whether output is waiting for the store to take writes again: something was lost,
    /// and the store's refusal may pass (a full disk). A refusal that will not pass (the
    /// run was deleted meanwhile) is not worth waiting for.
    var awaitsRoom: Bool { (lost > 0 || !buffer.isEmpty) && refusalIsTransient }

    /// Hands the buffer to the chain of writes and waits for it to be written (or lost);
    /// without `waitForIt`, waits only for the write before it.
    private func flush(truncated: Bool = false, waitForIt: Bool = true) async {
        lastFlush = .now
        guard !buffer.isEmpty || truncated || lost > 0 else { return }
        let output = buffer
        buffer.removeAll(keepingCapacity: true)
        let previous = tail
        let write = Task {
            await previous?.value
            await self.write(output, truncated: truncated)
        }
        tail = write
        if waitForIt { await write.value } else { await previous?.value }
    }

    /// One chunk, after saying what was lost before it if the store refused earlier ones.
    private func write(_ output: [UInt8], truncated: Bool) async {
        var data = output
        if lost > 0 {
            let separator = lastByte == 10 || output.isEmpty ? "" : "\n"
            data = Array("\(separator)[cjr] \(lost) bytes of output were lost: \(lostReason)\n".utf8) + output
        }
        do {
            try await store.appendLog(runId: runId, data: data, truncated: truncated)
            lost = 0
            refusalIsTransient = false
        } catch {
            logger.warning("run output not stored", metadata: ["run": "\(runId)", "error": "\(error)"])
            lost += Int64(output.count)
            refusalIsTransient = StorageFailure.isTransient(error)
            lostReason = "the store could not take them (\(StorageFailure.situation(of: store.directory)))"
        }
    }
}
