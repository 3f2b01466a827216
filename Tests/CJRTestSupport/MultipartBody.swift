import Foundation

/// A multipart/form-data body built the way the official client builds it: a `file` part
/// (filename = basename) followed by its `filePath` field.
public struct MultipartBody: Sendable {
    public let boundary = "cjr-test-\(UUID().uuidString)"
    private var parts: [UInt8] = []

    public init() {}

    public mutating func field(_ name: String, _ value: String) {
        append("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
    }

    public mutating func file(path: String, content: [UInt8], filePathField: Bool = true, fieldName: String = "file") {
        let basename = path.split(separator: "/").last.map(String.init) ?? path
        append("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(fieldName)\"; filename=\"\(basename)\"\r\n")
        append("Content-Type: application/octet-stream\r\n\r\n")
        parts += content
        append("\r\n")
        if filePathField { field("filePath", path) }
    }

    public var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    /// The encoded body, closing delimiter included.
    public var bytes: [UInt8] { parts + Array("--\(boundary)--\r\n".utf8) }

    private mutating func append(_ text: String) { parts += Array(text.utf8) }
}

