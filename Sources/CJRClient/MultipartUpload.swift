import Foundation
import NIOCore
import NIOFoundationCompat
import CJRModel

/// A `multipart/form-data` body of text fields and files, with its length known up front
/// and the files read from disk in 1 MiB pieces while it is sent, never whole in memory.
public struct MultipartUpload: Sendable {
    enum Part: Sendable {
        case field(name: String, value: String)
        /// A `file` part (filename = the base name) followed by its `filePath` field.
        case file(url: URL, filePath: String, size: Int64)
    }

    let boundary = "cjr-\(UUID().uuidString)"
    static let pieceBytes = 1 << 20
    private(set) var parts: [Part] = []

    public init() {}

    public var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    public mutating func field(_ name: String, _ value: String) {
        parts.append(.field(name: name, value: value))
    }

    public mutating func file(_ url: URL, filePath: String) throws {
        guard let size = FileSize.of(url.path) else { throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: url.path]) }
        parts.append(.file(url: url, filePath: filePath, size: size))
    }

    /// Bytes in the body.
    public var length: Int64 {
        parts.reduce(Int64(closing.utf8.count)) { total, part in
            switch part {
            case .field(let name, let value):
                total + Int64(header(field: name).utf8.count + value.utf8.count + 2)
            case .file(let url, let filePath, let size):
                total + Int64(header(fileName: url.lastPathComponent).utf8.count) + size + 2
                    + Int64(header(field: "filePath").utf8.count + filePath.utf8.count + 2)
            }
        }
    }

    /// How many files there are.
    public var fileCount: Int { parts.count { if case .file = $0 { true } else { false } } }

    /// How many files have been sent whole once `bytes` of the body have.
    public func filesSent(after bytes: Int64) -> Int {
        var offset: Int64 = 0
        var done = 0
        for part in parts {
            switch part {
            case .field(let name, let value):
                offset += Int64(header(field: name).utf8.count + value.utf8.count + 2)
            case .file(let url, let filePath, let size):
                offset += Int64(header(fileName: url.lastPathComponent).utf8.count) + size + 2
                    + Int64(header(field: "filePath").utf8.count + filePath.utf8.count + 2)
                guard offset <= bytes else { return done }
                done += 1
            }
        }
        return done
    }

    /// The body, produced lazily: a file is opened when its part comes and read a piece at
    /// a time as the connection takes it.
    func chunks() -> Chunks { Chunks(upload: self) }

    struct Chunks: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let upload: MultipartUpload

        func makeAsyncIterator() -> Iterator { Iterator(upload: upload) }

        struct Iterator: AsyncIteratorProtocol {
            let upload: MultipartUpload
            var index = 0
            var file: FileHandle?
            /// Bytes of the open file still to send: exactly the size announced in `length`.
            var remaining: Int64 = 0
            var fileName = ""
            var pendingTrailer: String?
            var finished = false

            init(upload: MultipartUpload) { self.upload = upload }

            mutating func next() async throws -> ByteBuffer? {
                if let handle = file {
                    if remaining > 0 {
                        guard let data = try handle.read(upToCount: Int(Swift.min(remaining, Int64(MultipartUpload.pieceBytes)))), !data.isEmpty else {
                            try? handle.close()
                            file = nil
                            throw ClientError("\(fileName) got shorter while it was being uploaded; try again")
                        }
                        remaining -= Int64(data.count)
                        return ByteBuffer(data: data)
                    }
                    try? handle.close()
                    file = nil
                    defer { pendingTrailer = nil }
                    return ByteBuffer(string: pendingTrailer ?? "")
                }
                guard index < upload.parts.count else {
                    if finished { return nil }
                    finished = true
                    return ByteBuffer(string: upload.closing)
                }
                let part = upload.parts[index]
                index += 1
                switch part {
                case .field(let name, let value):
                    return ByteBuffer(string: upload.header(field: name) + value + "\r\n")
                case .file(let url, let filePath, let size):
                    file = try FileHandle(forReadingFrom: url)
                    remaining = size
                    fileName = url.path
                    pendingTrailer = "\r\n" + upload.header(field: "filePath") + filePath + "\r\n"
                    return ByteBuffer(string: upload.header(fileName: url.lastPathComponent))
                }
            }
        }
    }

    private var closing: String { "--\(boundary)--\r\n" }

    private func header(field name: String) -> String {
        "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n"
    }

    private func header(fileName: String) -> String {
        let safe = fileName.replacingOccurrences(of: "\"", with: "%22")
        return "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(safe)\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\n"
    }
}
