import Hummingbird
import MultipartKit
import CJRModel
import CJRStore

/// A `multipart/form-data` body: text fields in order, and file parts already streamed
/// into the blob store (never held whole in memory).
struct MultipartForm: Sendable {
    struct File: Sendable {
        var fieldName: String
        var filename: String?
        var blob: StoredBlob
    }

    var fields: [(name: String, value: String)] = []
    var files: [File] = []

    func values(_ name: String) -> [String] { fields.filter { $0.name == name }.map(\.value) }

    /// Field and file part names, in order of first appearance.
    var names: [String] {
        var seen = Set<String>()
        return (fields.map(\.name) + files.map(\.fieldName)).filter { seen.insert($0).inserted }
    }
}

/// Reads a multipart body chunk by chunk with MultipartKit's streaming parser. Parts with a
/// `filename` are written to the blob store as they arrive; other parts are text fields,
/// capped at ``maxFieldBytes``. The whole body is capped at the server's upload limit.
struct MultipartFormReader {
    static let maxFieldBytes = 1 << 20

    let blobs: BlobStore
    let maxBodyBytes: Int64

    func read(_ body: RequestBody, boundary: String) async throws -> MultipartForm {
        let collector = PartCollector(blobs: blobs)
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in collector.header(name, value) }
        parser.onBody = { chunk in collector.body(&chunk) }
        parser.onPartComplete = { collector.complete() }

        // A form with no parts at all is just the closing delimiter, which the parser
        // rejects; recognise it before feeding anything to the parser.
        let emptyForm = Array("--\(boundary)--".utf8)
        var prefix: [UInt8] = []
        var prefixDone = false
        var total: Int64 = 0
        do {
            for try await chunk in body {
                total += Int64(chunk.readableBytes)
                if total > maxBodyBytes {
                    throw CJRError(.payloadTooLarge, "Request body is larger than the server's upload limit of \(maxBodyBytes) bytes.")
                }
                if prefixDone {
                    try feed(parser, chunk, collector)
                    continue
                }
                prefix += chunk.readableBytesView
                if prefix.count > emptyForm.count + 2 {
                    prefixDone = true
                    try feed(parser, ByteBuffer(bytes: prefix), collector)
                }
            }
            if !prefixDone {
                let trimmed = Array(prefix.reversed().drop { $0 == 10 || $0 == 13 }.reversed())
                if trimmed == emptyForm || trimmed.isEmpty { return MultipartForm() }
                try feed(parser, ByteBuffer(bytes: prefix), collector)
            }
            if collector.inPart || collector.partCount == 0 {
                throw CJRError(.invalidInput, "The multipart body ended before its closing boundary.")
            }
            return collector.form
        } catch {
            collector.discard()
            throw error
        }
    }

    private func feed(_ parser: MultipartParser, _ chunk: ByteBuffer, _ collector: PartCollector) throws {
        do {
            try parser.execute(chunk)
        } catch {
            throw CJRError(.invalidInput, "The multipart body is malformed (boundary or part headers).")
        }
        if let failure = collector.failure { throw failure }
    }

    /// Extracts the boundary from `multipart/form-data; boundary=…`.
    static func boundary(fromContentType contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingWhitespace().lowercased() == "boundary" else { continue }
            let value = pair[1].trimmingWhitespace()
            let unquoted = value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 ? String(value.dropFirst().dropLast()) : value
            return unquoted.isEmpty ? nil : unquoted
        }
        return nil
    }
}

/// Receives the parser's callbacks for one body. The callbacks cannot throw, so the first
/// failure is kept and checked after each chunk.
private final class PartCollector {
    let blobs: BlobStore
    var form = MultipartForm()
    var failure: (any Error)?
    var partCount = 0
    var inPart = false

    private var headers: [(String, String)] = []
    private var disposition: ContentDisposition?
    private var writer: BlobWriter?
    private var text: [UInt8] = []

    init(blobs: BlobStore) { self.blobs = blobs }

    func header(_ name: String, _ value: String) {
        inPart = true
        headers.append((name, value))
    }

    func body(_ chunk: inout ByteBuffer) {
        guard failure == nil else { return }
        do {
            try startIfNeeded()
            if let writer {
                try chunk.withUnsafeReadableBytes { try writer.write($0) }
            } else {
                text += chunk.readableBytesView
                if text.count > MultipartFormReader.maxFieldBytes {
                    throw CJRError(.payloadTooLarge, "\(disposition?.name ?? "form field"): text fields are limited to \(MultipartFormReader.maxFieldBytes) bytes", field: disposition?.name)
                }
            }
        } catch {
            failure = error
        }
    }

    func complete() {
        guard failure == nil else { return }
        do {
            try startIfNeeded()
            guard let disposition else { return }
            if let writer {
                form.files.append(.init(fieldName: disposition.name, filename: disposition.filename, blob: try writer.finish()))
            } else {
                guard let value = String(validating: text, as: UTF8.self) else {
                    throw CJRError.invalid(disposition.name, "is not valid UTF-8 text")
                }
                form.fields.append((disposition.name, value))
            }
        } catch {
            failure = error
        }
        partCount += 1
        inPart = false
        headers = []
        self.disposition = nil
        writer = nil
        text = []
    }

    func discard() {
        writer?.discard()
        writer = nil
    }

    /// On a part's first bytes: read its Content-Disposition and pick file or text.
    private func startIfNeeded() throws {
        guard disposition == nil else { return }
        guard let raw = headers.first(where: { $0.0.lowercased() == "content-disposition" })?.1,
              let parsed = ContentDisposition(parsing: raw) else {
            throw CJRError(.invalidInput, "A multipart part has no 'Content-Disposition: form-data; name=…' header.")
        }
        disposition = parsed
        if parsed.filename != nil { writer = try blobs.makeWriter() }
    }
}

/// `form-data; name="file"; filename="run.sh"`.
struct ContentDisposition: Equatable {
    var name: String
    var filename: String?

    init?(parsing header: String) {
        var name: String?
        var filename: String?
        var rest = Substring(header)
        guard let firstSemicolon = rest.firstIndex(of: ";") else { return nil }
        guard rest[..<firstSemicolon].trimmingWhitespace().lowercased() == "form-data" else { return nil }
        rest = rest[rest.index(after: firstSemicolon)...]
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "\t" || $0 == ";" }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = rest[..<equals].trimmingWhitespace().lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if escaped { value.append(character); escaped = false }
                    else if character == "\\" { escaped = true }
                    else if character == "\"" { break }
                    else { value.append(character) }
                }
            } else {
                let end = rest.firstIndex(of: ";") ?? rest.endIndex
                value = rest[..<end].trimmingWhitespace()
                rest = rest[end...]
            }
            switch key {
            case "name": name = value
            case "filename": filename = value
            default: break
            }
        }
        guard let name else { return nil }
        self.name = name
        self.filename = filename
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
