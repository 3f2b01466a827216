import Crypto
import Foundation
import CJRModel

/// File contents stored once per SHA-256 under `blobs/ab/abcdef…`. Uploads are streamed
/// into a staging file while hashed, flushed to disk, then renamed into place, so a blob
/// that exists is always complete. The database's `blob` table says which blobs are in
/// use; files it does not list are leftovers of failed requests and are swept at start.
public struct BlobStore: Sendable {
    let root: URL
    let staging: URL

    public init(directory: DataDirectory) {
        root = directory.blobs
        staging = directory.staging
    }

    public func path(forHash hash: String) -> String {
        root.appendingPathComponent(String(hash.prefix(2))).appendingPathComponent(hash).path
    }

    /// Starts a streamed write; call ``BlobWriter/finish()`` or the staged file is removed.
    public func makeWriter() throws -> BlobWriter {
        try BlobWriter(store: self)
    }

    /// Stores `bytes` in one go (tests and small generated files).
    public func store(_ bytes: some Collection<UInt8>) throws -> StoredBlob {
        let writer = try makeWriter()
        try Array(bytes).withUnsafeBytes { try writer.write($0) }
        return try writer.finish()
    }

    /// The blob's bytes, checked against its hash: a blob changed on disk is never served.
    public func contents(ofHash hash: String) throws -> Data {
        var data = Data()
        try verify(hash: hash) { data.append(contentsOf: $0) }
        return data
    }

    /// Copies the blob to a new file at `target` (created with `mode`, never over an
    /// existing one), hashing it on the way; on a mismatch the copy is removed and
    /// ``BlobIntegrityError`` thrown. What a run executes is what was uploaded.
    public func copyVerified(hash: String, to target: String, mode: mode_t) throws {
        let output = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard output >= 0 else { throw POSIXFailure(operation: "create \(target)") }
        do {
            defer { close(output) }
            try verify(hash: hash) { piece in
                var offset = 0
                while offset < piece.count {
                    let written = Foundation.write(output, piece.baseAddress! + offset, piece.count - offset)
                    if written < 0 && errno == EINTR { continue }
                    guard written > 0 else { throw POSIXFailure(operation: "write \(target)") }
                    offset += written
                }
            }
        } catch {
            unlink(target)
            throw error
        }
    }

    /// Reads the blob once, in pieces, checking it against its hash and handing each piece
    /// to `body` (nothing is kept): how a blob is copied, served or read whole.
    public func verify(hash: String, _ body: (UnsafeRawBufferPointer) throws -> Void = { _ in }) throws {
        let source = open(path(forHash: hash), O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw POSIXFailure(operation: "open blob \(hash)") }
        defer { close(source) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Foundation.read(source, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw POSIXFailure(operation: "read blob \(hash)")
            }
            try buffer.withUnsafeBytes { bytes in
                let piece = UnsafeRawBufferPointer(rebasing: bytes[0..<count])
                hasher.update(bufferPointer: piece)
                try body(piece)
            }
        }
        let actual = ObjectID.hex(hasher.finalize())
        guard actual == hash else { throw BlobIntegrityError(hash: hash, actual: actual) }
    }

    /// Removes staged leftovers and blob files whose hash is not in `referenced`. Only
    /// files older than `minimumAge` go: another process (a `cjr run` beside a server) may be
    /// between writing a blob and committing the row that references it.
    func sweep(keeping referenced: Set<String>, minimumAge: TimeInterval = 600) {
        let manager = FileManager.default
        let cutoff = Date().addingTimeInterval(-minimumAge)
        func isOld(_ url: URL) -> Bool {
            let modified = (try? url.resourceValues(forKeys: [.contentModificationDateKey]))?.contentModificationDate
            return (modified ?? .distantPast) < cutoff
        }
        let keys: [URLResourceKey] = [.contentModificationDateKey]
        for url in (try? manager.contentsOfDirectory(at: staging, includingPropertiesForKeys: keys)) ?? [] where isOld(url) {
            try? manager.removeItem(at: url)
        }
        for shard in (try? manager.contentsOfDirectory(at: root, includingPropertiesForKeys: nil)) ?? [] {
            for file in (try? manager.contentsOfDirectory(at: shard, includingPropertiesForKeys: keys)) ?? []
            where !referenced.contains(file.lastPathComponent) && isOld(file) {
                try? manager.removeItem(at: file)
            }
        }
    }

    /// Removes a blob's file unless it was written in the last `minimumAge` seconds: an
    /// upload elsewhere may have just stored the same content, its row not committed yet
    /// (the sweep at the next start takes it if it stays unreferenced).
    func removeUnlessRecent(hash: String, minimumAge: TimeInterval = 600) {
        let url = URL(fileURLWithPath: path(forHash: hash))
        let modified = (try? url.resourceValues(forKeys: [.contentModificationDateKey]))?.contentModificationDate ?? .distantPast
        if modified < Date().addingTimeInterval(-minimumAge) { try? FileManager.default.removeItem(at: url) }
    }

    func remove(hash: String) {
        try? FileManager.default.removeItem(atPath: path(forHash: hash))
    }
}

/// A blob written to disk: its content hash and size.
public struct StoredBlob: Sendable, Equatable {
    public var hash: String
    public var size: Int64
}

/// Streams one upload to a staging file while computing its SHA-256.
///
/// Not thread-safe by design: one request's body is consumed by one task.
public final class BlobWriter {
    private let store: BlobStore
    private let stagingPath: String
    private var descriptor: Int32
    private var hasher = SHA256()
    public private(set) var size: Int64 = 0
    /// Pieces are gathered up to this before a write: a multipart parser hands over a few
    /// hundred bytes at a time, and one syscall each made uploads syscall-bound.
    static let bufferBytes = 1 << 20
    private var buffer: [UInt8] = []

    init(store: BlobStore) throws {
        self.store = store
        stagingPath = store.staging.appendingPathComponent(ObjectID.make()).path
        descriptor = open(stagingPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor < 0 { throw POSIXFailure(operation: "create \(stagingPath)") }
    }

    deinit { discard() }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        hasher.update(bufferPointer: bytes)
        size += Int64(bytes.count)
        if buffer.isEmpty && bytes.count >= Self.bufferBytes {
            try Self.writeAll(bytes, to: descriptor)
            return
        }
        if buffer.capacity < Self.bufferBytes { buffer.reserveCapacity(Self.bufferBytes) }
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.bufferBytes { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try Self.writeAll($0, to: descriptor) }
        buffer.removeAll(keepingCapacity: true)
    }

    private static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw POSIXFailure(operation: "write upload")
            }
            offset += written
        }
    }

    /// Flushes the content to disk and moves it to its content-addressed place. Content
    /// already stored intact (the same files uploaded again, as every `cjr run` of an
    /// unchanged folder does) is kept and the staged copy dropped, with no fsync; a stored
    /// copy that no longer matches its hash is replaced.
    public func finish() throws -> StoredBlob {
        try flush()
        let hash = ObjectID.hex(hasher.finalize())
        let target = store.path(forHash: hash)
        if access(target, F_OK) == 0, (try? store.verify(hash: hash) { _ in }) != nil {
            discard()
            return StoredBlob(hash: hash, size: size)
        }
        if fsync(descriptor) != 0 { throw POSIXFailure(operation: "fsync upload") }
        close(descriptor)
        descriptor = -1
        let shard = (target as NSString).deletingLastPathComponent
        if mkdir(shard, 0o700) != 0 && errno != EEXIST { throw POSIXFailure(operation: "mkdir \(shard)") }
        if rename(stagingPath, target) != 0 { throw POSIXFailure(operation: "store blob \(hash)") }
        return StoredBlob(hash: hash, size: size)
    }

    /// Drops the staged file (after an error); harmless after ``finish()``.
    public func discard() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
            unlink(stagingPath)
        }
    }
}

/// A stored blob whose bytes no longer match the hash they are stored under: changed on
/// disk behind cjr's back (tampering, or corruption).
public struct BlobIntegrityError: Error, CustomStringConvertible {
    public let hash: String
    public let actual: String

    public var description: String {
        "the stored file \(hash.prefix(12))… no longer matches its hash (it hashes to \(actual.prefix(12))…): "
            + "it was changed on disk behind cjr's back (tampering or corruption)"
    }
}

/// A failed system call, with errno's text.
public struct POSIXFailure: Error, CustomStringConvertible {
    public let operation: String
    public let code: Int32

    public init(operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    public var description: String { "\(operation): \(String(cString: strerror(code)))" }
}
