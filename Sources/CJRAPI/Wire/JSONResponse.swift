import Foundation
import Hummingbird
import CJRModel

/// JSON responses with `Content-Type: application/json` exactly: the official Python client
/// parses error bodies only under that exact type (Hummingbird's default adds a charset).
public enum JSONResponse {
    static let contentType = "application/json"

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let data = try encoder.encode(value)
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A run exactly as `GET …/runs/{id}/` answers it, for `cjr run --json`.
    public static func runRecord(_ run: CustomJobRun) throws -> Data {
        try encoder.encode(RunPayload(run))
    }

    static func message(_ text: String, status: HTTPResponse.Status) -> Response {
        // A dictionary of one string always encodes.
        (try? make(["message": text], status: status)) ?? Response(status: status)
    }
}

/// Encodes `nil` as an explicit JSON `null` instead of leaving the key out, for fields the
/// reference marks required but nullable (`entryPoint`, `next`, `lastRun`, …).
@propertyWrapper
struct ExplicitNull<Value: Encodable & Sendable>: Encodable, Sendable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}
