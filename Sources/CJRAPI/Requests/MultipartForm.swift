import Hummingbird
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

/// Reads a multipart body chunk by chunk with ``MultipartStream``. Parts with a
/// `filename` are written to the blob store as they arrive; other parts are text fields,
/// capped at ``maxFieldBytes``. The whole body is capped at the server's upload limit.
struct MultipartFormReader {
    static let maxFieldBytes = 1 << 20

    let blobs: BlobStore
    let maxBodyBytes: Int64

    func read(_ body: RequestBody, boundary: String) async throws -> MultipartForm {
        let collector = PartCollector(blobs: blobs)
        var parser = MultipartStream(boundary: boundary)
        var total: Int64 = 0
        do {
            for try await chunk in body {
                total += Int64(chunk.readableBytes)
                if total > maxBodyBytes {
                    throw CJRError(.payloadTooLarge, "Request body is larger than the server's upload limit of \(maxBodyBytes) bytes.")
                }
                do {
                    try parser.feed(chunk) { event in
                        switch event {
                        case .headers(let lines): collector.begin(lines)
                        case .body(let bytes): collector.body(bytes)
                        case .partEnd: collector.complete()
                        }
                        if let failure = collector.failure { throw failure }
                    }
                } catch let malformed as MultipartStream.Malformed {
                    throw CJRError(.invalidInput, "The multipart body is malformed: \(malformed.reason).")
                }
            }
            guard parser.isComplete else {
                throw CJRError(.invalidInput, "The multipart body ended before its closing boundary.")
            }
            return collector.form
        } catch {
            collector.discard()
            throw error
        }
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

/// Receives the parser's events for one body; the first failure is kept, and the reader
/// stops at it.
private final class PartCollector {
    let blobs: BlobStore
    var form = MultipartForm()
    var failure: (any Error)?
    private var headers: [(name: String, value: String)] = []
    private var disposition: ContentDisposition?
    private var writer: BlobWriter?
    private var text: [UInt8] = []

    init(blobs: BlobStore) { self.blobs = blobs }

    func begin(_ lines: [(name: String, value: String)]) {
        headers = lines
    }

    func body(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil else { return }
        do {
            try startIfNeeded()
            if let writer {
                try writer.write(bytes)
            } else {
                text += bytes
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
        guard let raw = headers.first(where: { $0.name.lowercased() == "content-disposition" })?.value,
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
