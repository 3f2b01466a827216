import Foundation
import Hummingbird
import NIOCore
import CJRModel
import CJRStore

/// What a create/update body turned out to be.
enum JobBody {
    case json(JSONValue)
    case form(MultipartForm)
    case empty
}

extension Request {
    /// Reads a body that may be JSON, multipart form data or nothing at all, honouring the
    /// upload limit; any other media type is a 415.
    func jobBody(blobs: BlobStore, maxBytes: Int64, maxJSONBytes: Int64) async throws -> JobBody {
        let contentType = headers[.contentType] ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingWhitespace().lowercased() } ?? ""
        switch mediaType {
        case "multipart/form-data":
            guard let boundary = MultipartFormReader.boundary(fromContentType: contentType) else {
                throw CJRError(.invalidInput, "Content-Type multipart/form-data needs a boundary parameter.")
            }
            // Refused from its announced length before a byte is read; a chunked body as
            // soon as it passes the limit (MultipartFormReader).
            if let length = headers[.contentLength].flatMap(Int64.init), length > maxBytes {
                throw CJRError(.payloadTooLarge, "Request body is \(length) bytes, larger than the server's upload limit of \(maxBytes) bytes "
                               + "(cjr serve --max-upload-mb).")
            }
            return .form(try await MultipartFormReader(blobs: blobs, maxBodyBytes: maxBytes).read(body, boundary: boundary))
        case "application/json", "":
            let buffer = try await collectBody(maxBytes: maxJSONBytes)
            if buffer.readableBytes == 0 { return .empty }
            guard mediaType == "application/json" else {
                throw CJRError(.unsupportedMediaType, "Send the body as application/json or multipart/form-data.")
            }
            return .json(try JSONValue.parse(Data(buffer.readableBytesView)))
        default:
            throw CJRError(.unsupportedMediaType, "Content-Type '\(mediaType)' is not accepted; send application/json or multipart/form-data.")
        }
    }

    /// Collects a small body whole, answering 413 beyond `maxBytes`: from `Content-Length`
    /// before reading anything, and for a chunked body as soon as it passes the limit.
    func collectBody(maxBytes: Int64) async throws -> ByteBuffer {
        let tooLarge = CJRError(.payloadTooLarge, "Request body is larger than the limit of \(maxBytes) bytes for this kind of request.")
        if let length = headers[.contentLength].flatMap(Int64.init), length > maxBytes { throw tooLarge }
        do {
            return try await body.collect(upTo: Int(clamping: maxBytes))
        } catch is NIOTooManyBytesError {
            throw tooLarge
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        }
    }

    /// A small JSON object body: nil when there is no body at all (the official client
    /// sends some requests so), 415 for another media type, 422 for JSON that is not an
    /// object.
    func jsonObject(maxBytes: Int64, example: String) async throws -> [String: JSONValue]? {
        let buffer = try await collectBody(maxBytes: maxBytes)
        if buffer.readableBytes == 0 { return nil }
        let mediaType = (headers[.contentType] ?? "").split(separator: ";").first.map { $0.trimmingWhitespace().lowercased() }
        guard mediaType == "application/json" || mediaType == nil || mediaType == "" else {
            throw CJRError(.unsupportedMediaType, "Send the body as application/json: \(example).")
        }
        let json = try JSONValue.parse(Data(buffer.readableBytesView))
        guard case .object(let object) = json else {
            throw CJRError(.invalidInput, "The request body must be a JSON object (\(example)), got \(json.typeName).")
        }
        return object
    }
}
