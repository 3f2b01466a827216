import Foundation
import Synchronization
import CJRClient

/// An upload's progress on stderr, once it has taken a second: bytes and files sent,
/// redrawn in place at a terminal, a line every few seconds otherwise.
final class UploadProgress: Sendable {
    private let form: MultipartUpload
    private let total: Int64
    private let started = ContinuousClock.now
    private let terminal = isatty(STDERR_FILENO) != 0
    /// When it last printed; nil before the first time.
    private let lastPrint = Mutex<ContinuousClock.Instant?>(nil)

    init(_ form: MultipartUpload) {
        self.form = form
        total = form.length
    }

    func update(_ sent: Int64) {
        let now = ContinuousClock.now
        let due = lastPrint.withLock { last -> Bool in
            guard now - started >= .seconds(1) else { return false }
            if let last, now - last < (terminal ? .milliseconds(200) : .seconds(5)) { return false }
            last = now
            return true
        }
        guard due else { return }
        write("uploading: \(Self.megabytes(sent)) of \(Self.megabytes(total)) MB, \(form.filesSent(after: sent)) of \(form.fileCount) files")
    }

    /// Ends the progress line, if one was shown.
    func finish() {
        guard lastPrint.withLock({ $0 }) != nil else { return }
        let elapsed = (ContinuousClock.now - started).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        write("uploaded \(Self.megabytes(total)) MB, \(form.fileCount) files in \(String(format: "%.1f", seconds)) s", last: true)
    }

    private func write(_ text: String, last: Bool = false) {
        let line = terminal ? "\r\u{1B}[K" + text + (last ? "\n" : "") : text + "\n"
        try? FileHandle.standardError.write(contentsOf: Data(line.utf8))
    }

    private static func megabytes(_ bytes: Int64) -> String { String(format: "%.1f", Double(bytes) / 1_000_000) }
}
