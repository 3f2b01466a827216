import Foundation
import Hummingbird
import CJRModel

/// JSON responses with `Content-Type: application/json` exactly: the official Python client
/// parses error bodies only under that exact type (Hummingbird's default adds a charset).
public enum JSONResponse {
    static let contentType = "application/json"

    /// What the API's JSON is defined as; ``SortedJSONEncoder`` writes the same bytes faster.
    static let foundationEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// `value` as the API's JSON. Debug builds (every test) also encode it with
    /// ``foundationEncoder`` and stop at the first byte that differs.
    static func encode(_ value: some Encodable) throws -> [UInt8] {
        let bytes = try SortedJSONEncoder().encode(value)
        #if DEBUG
        let reference = try foundationEncoder.encode(value)
        if !reference.elementsEqual(bytes) {
            fatalError("SortedJSONEncoder differs from JSONEncoder for \(type(of: value)):\n"
                + "\(String(decoding: bytes.prefix(2000), as: UTF8.self))\nJSONEncoder:\n\(String(decoding: reference.prefix(2000), as: UTF8.self))")
        }
        #endif
        return bytes
    }

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let bytes = try encode(value)
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A run exactly as `GET …/runs/{id}/` answers it, for `cjr run --json`.
    public static func runRecord(_ run: CustomJobRun) throws -> Data {
        Data(try encode(RunPayload(run)))
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
