import Foundation
import MultipartKit
import NIOCore
import Testing
@testable import CJRAPI

/// The server's multipart parser: every way a body can be cut into pieces, binary content
/// full of near-boundaries, the RFC's optional parts, malformed bodies; and random bodies
/// parsed the same as by MultipartKit, the well-kept parser it replaced for speed.
@Suite("Multipart parser")
struct MultipartStreamTests {
    struct Part: Equatable, CustomStringConvertible {
        var headers: [String]
        var body: [UInt8]
        var description: String { "\(headers) \(body.count) bytes" }
    }

    /// Parses `body` fed in pieces of `sizes` (cycled); nil when it is refused.
    static func parse(_ body: [UInt8], boundary: String, sizes: [Int]) -> (parts: [Part], complete: Bool)? {
        var parser = MultipartStream(boundary: boundary)
        var parts: [Part] = []
        var offset = 0, index = 0
        do {
            while offset < body.count {
                let size = max(1, sizes[index % sizes.count])
                index += 1
                let piece = ByteBuffer(bytes: body[offset..<min(body.count, offset + size)])
                offset += size
                try parser.feed(piece) { event in
                    switch event {
                    case .headers(let lines): parts.append(Part(headers: lines.map { "\($0.name)=\($0.value)" }, body: []))
                    case .body(let bytes): parts[parts.count - 1].body += bytes
                    case .partEnd: break
                    }
                }
            }
        } catch {
            return nil
        }
        return (parts, parser.isComplete)
    }

    /// The same with MultipartKit.
    static func reference(_ body: [UInt8], boundary: String) -> [Part]? {
        let parser = MultipartParser(boundary: boundary)
        final class Box: @unchecked Sendable { var parts: [Part] = []; var current = Part(headers: [], body: []) }
        let box = Box()
        parser.onHeader = { name, value in box.current.headers.append("\(name)=\(value)") }
        parser.onBody = { chunk in box.current.body += chunk.readableBytesView }
        parser.onPartComplete = { box.parts.append(box.current); box.current = Part(headers: [], body: []) }
        do { try parser.execute(ByteBuffer(bytes: body)) } catch { return nil }
        return box.parts
    }

    static func body(_ parts: [(headers: [String], body: [UInt8])], boundary: String, preamble: String = "", epilogue: String = "") -> [UInt8] {
        var bytes = Array(preamble.utf8)
        for part in parts {
            bytes += Array("--\(boundary)\r\n".utf8)
            for header in part.headers { bytes += Array("\(header)\r\n".utf8) }
            bytes += Array("\r\n".utf8) + part.body + Array("\r\n".utf8)
        }
        return bytes + Array("--\(boundary)--\r\n\(epilogue)".utf8)
    }

    @Test("a body cut at every byte, and in every piece size up to a delimiter and more, parses the same")
    func everyCut() throws {
        let boundary = "cjr-b0undary"
        // Content full of what almost is a delimiter.
        let tricky = Array("\r\n--cjr-b0undar\r\n--cjr-b0undarY\r\r\n-\r\n--\r\n--cjr-b0undarz-".utf8) + (0..<300).map { UInt8($0 % 256) }
        let parts: [(headers: [String], body: [UInt8])] = [
            (["Content-Disposition: form-data; name=\"name\""], Array("job".utf8)),
            (["Content-Disposition: form-data; name=\"file\"; filename=\"a.bin\"", "Content-Type: application/octet-stream"], tricky),
            (["Content-Disposition: form-data; name=\"empty\""], []),
        ]
        let body = Self.body(parts, boundary: boundary, preamble: "ignored preamble\r\n", epilogue: "ignored epilogue")
        let expected = parts.map { part in
            Part(headers: part.headers.map { $0.replacingOccurrences(of: ": ", with: "=") }, body: part.body)
        }
        for size in Array(1...40) + [64, 333, 4096, body.count] {
            let parsed = try #require(Self.parse(body, boundary: boundary, sizes: [size]), "piece size \(size)")
            #expect(parsed.complete, "piece size \(size)")
            #expect(parsed.parts == expected, "piece size \(size)")
        }
        // Every split point of the body into two pieces.
        for cut in 1..<body.count {
            let parsed = Self.parse(body, boundary: boundary, sizes: [cut, body.count])
            #expect(parsed?.parts == expected && parsed?.complete == true, "cut at \(cut)")
        }
    }

    @Test("the RFC's options: no preamble CRLF, padding after a boundary, a part without headers; the closing boundary alone")
    func options() throws {
        let padded = Array("--b  \t\r\nX-A: 1\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b--".utf8)
        let parsed = try #require(Self.parse(padded, boundary: "b", sizes: [3]))
        #expect(parsed.complete)
        #expect(parsed.parts == [Part(headers: ["X-A=1"], body: Array("one".utf8)), Part(headers: [], body: Array("two".utf8))])
        let empty = try #require(Self.parse(Array("--b--\r\n".utf8), boundary: "b", sizes: [100]))
        #expect(empty.complete && empty.parts.isEmpty)
    }

    @Test("malformed bodies are refused or left incomplete, never crash", arguments: [
        "--b\r\nno colon here\r\n\r\nx\r\n--b--",
        "--bX\r\n\r\nx\r\n--b--",
        "--b\r\nA: 1\r\n\r\nunfinished",
        "no boundary at all",
        "",
    ])
    func malformed(text: String) {
        let parsed = Self.parse(Array(text.utf8), boundary: "b", sizes: [2])
        #expect(parsed == nil || parsed?.complete == false, "\(text)")
    }

    @Test("headers over 16 KiB are refused as they arrive")
    func hugeHeaders() {
        let body = Array("--b\r\nX: ".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 40_000)
        #expect(Self.parse(body, boundary: "b", sizes: [1000]) == nil)
    }

    @Test("random bodies parse as MultipartKit parses them, in random pieces")
    func againstMultipartKit() throws {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<300 {
            let boundary = "bnd" + String(UInt32.random(in: 0...999_999, using: &generator))
            let parts = (0..<Int.random(in: 1...4, using: &generator)).map { index in
                // Bytes from a small alphabet full of CR, LF, '-' and the boundary's letters.
                let alphabet = Array("\r\n-bnd0123".utf8) + [0, 255]
                let body = (0..<Int.random(in: 0...600, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
                return (headers: ["Content-Disposition: form-data; name=\"f\(index)\""], body: body)
            }
            let body = Self.body(parts, boundary: boundary)
            let sizes = (0..<5).map { _ in Int.random(in: 1...97, using: &generator) }
            let ours = try #require(Self.parse(body, boundary: boundary, sizes: sizes), "round \(round)")
            #expect(ours.complete)
            let theirs = try #require(Self.reference(body, boundary: boundary), "round \(round)")
            #expect(ours.parts == theirs, "round \(round)")
        }
    }
}
