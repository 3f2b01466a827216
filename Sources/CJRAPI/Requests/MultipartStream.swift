import CCJRHost
import Foundation
import NIOCore

/// A streaming `multipart/form-data` parser (RFC 7578 over RFC 2046) that finds each
/// delimiter with `memmem`, so a part's body reaches its consumer in the pieces the
/// connection delivers, not split at every byte that might start a boundary (a
/// byte-at-a-time parser split random binary every few hundred bytes, and its per-piece
/// overhead made uploads CPU-bound). Headers are capped at ``maxHeaderBytes`` per part.
struct MultipartStream {
    enum Event {
        /// A part begins, with its header lines as (name, value).
        case headers([(name: String, value: String)])
        /// Some of its body, valid only during the call.
        case body(UnsafeRawBufferPointer)
        /// The part ended.
        case partEnd
    }

    struct Malformed: Error {
        let reason: String
    }

    static let maxHeaderBytes = 16 << 10

    private enum State {
        case preamble, afterDelimiter, headers, body, epilogue
    }

    /// `CRLF--boundary`: what ends a part (and, after the CRLF the parser starts with, the preamble).
    private let delimiter: [UInt8]
    private var state = State.preamble
    /// Bytes received and not yet handed on; `start` is the first of them.
    private var pending: [UInt8] = Array("\r\n".utf8)
    private var start = 0

    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    /// Whether the closing delimiter has been seen.
    var isComplete: Bool { if case .epilogue = state { true } else { false } }

    mutating func feed(_ chunk: ByteBuffer, _ handle: (Event) throws -> Void) throws {
        if case .epilogue = state { return }
        chunk.withUnsafeReadableBytes { pending.append(contentsOf: $0) }
        try drain(handle)
        // Drop what was handed on, now and then, not at every piece.
        if start > 0 && (start >= pending.count || start > 1 << 20) {
            pending.removeFirst(start)
            start = 0
        }
    }

    private mutating func drain(_ handle: (Event) throws -> Void) throws {
        while true {
            let available = pending.count - start
            switch state {
            case .preamble, .body:
                let inBody: Bool = if case .body = state { true } else { false }
                if let found = find(delimiter) {
                    if inBody {
                        try pending.withUnsafeBytes { try handle(.body(UnsafeRawBufferPointer(rebasing: $0[start..<found]))) }
                        try handle(.partEnd)
                    }
                    start = found + delimiter.count
                    state = .afterDelimiter
                    continue
                }
                // All but what could be the start of a delimiter is body (or preamble).
                let safe = available - (delimiter.count - 1)
                if safe > 0 {
                    if inBody { try pending.withUnsafeBytes { try handle(.body(UnsafeRawBufferPointer(rebasing: $0[start..<(start + safe)]))) } }
                    start += safe
                }
                return
            case .afterDelimiter:
                // `--` closes the body; otherwise optional padding, then CRLF and a part's headers.
                guard available >= 2 else { return }
                if pending[start] == UInt8(ascii: "-") && pending[start + 1] == UInt8(ascii: "-") {
                    state = .epilogue
                    start = pending.count
                    return
                }
                var index = start
                while index < pending.count, pending[index] == UInt8(ascii: " ") || pending[index] == UInt8(ascii: "\t") { index += 1 }
                guard index + 1 < pending.count else {
                    guard index - start < 1024 else { throw Malformed(reason: "padding after a boundary") }
                    return
                }
                guard pending[index] == 13, pending[index + 1] == 10 else { throw Malformed(reason: "a boundary is not followed by a line break") }
                start = index + 2
                state = .headers
            case .headers:
                let end: Int
                let next: Int
                if available >= 2, pending[start] == 13, pending[start + 1] == 10 {
                    (end, next) = (start, start + 2) // no headers at all
                } else if let found = find(Array("\r\n\r\n".utf8)) {
                    (end, next) = (found, found + 4)
                } else {
                    guard available <= Self.maxHeaderBytes else { throw Malformed(reason: "a part's headers exceed \(Self.maxHeaderBytes) bytes") }
                    return
                }
                guard end - start <= Self.maxHeaderBytes else { throw Malformed(reason: "a part's headers exceed \(Self.maxHeaderBytes) bytes") }
                try handle(.headers(try Self.headerLines(pending[start..<end])))
                start = next
                state = .body
            case .epilogue:
                start = pending.count
                return
            }
        }
    }

    /// The first occurrence of `needle` in the pending bytes, as an index into `pending`.
    private func find(_ needle: [UInt8]) -> Int? {
        pending.withUnsafeBytes { haystack in
            needle.withUnsafeBytes { needle in
                guard let base = haystack.baseAddress,
                      let hit = cjr_memmem(base + start, haystack.count - start, needle.baseAddress, needle.count) else { return nil }
                return base.distance(to: UnsafeRawPointer(hit))
            }
        }
    }

    private static func headerLines(_ bytes: ArraySlice<UInt8>) throws -> [(name: String, value: String)] {
        guard !bytes.isEmpty else { return [] }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw Malformed(reason: "part headers are not UTF-8") }
        return try text.components(separatedBy: "\r\n").map { line in
            guard let colon = line.firstIndex(of: ":") else { throw Malformed(reason: "a part header line has no ':'") }
            return (line[..<colon].trimmingWhitespace(), line[line.index(after: colon)...].trimmingWhitespace())
        }
    }
}
