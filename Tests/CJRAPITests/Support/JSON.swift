import Foundation
import HummingbirdTesting
import NIOCore

/// Read-only access to a JSON document for assertions: `json["items"][0]["id"].string`.
/// Missing keys and wrong types read as nil rather than crashing the test run.
struct JSON: Sendable, CustomStringConvertible {
    private let storage: Storage

    private enum Storage: @unchecked Sendable { case value(Any?) }

    init(_ response: TestResponse) throws {
        let data = Data(response.body.readableBytesView)
        storage = .value(try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
    }

    private init(raw: Any?) { storage = .value(raw) }

    private var raw: Any? { switch storage { case .value(let value): value } }

    subscript(key: String) -> JSON { JSON(raw: (raw as? [String: Any])?[key]) }
    subscript(index: Int) -> JSON {
        guard let array = raw as? [Any], array.indices.contains(index) else { return JSON(raw: nil) }
        return JSON(raw: array[index])
    }

    var string: String? { raw as? String }
    var int: Int? { (raw as? NSNumber)?.intValue }
    var double: Double? { (raw as? NSNumber)?.doubleValue }
    var bool: Bool? { (raw as? NSNumber).map(\.boolValue) }
    var array: [JSON] { ((raw as? [Any]) ?? []).map { JSON(raw: $0) } }
    var keys: Set<String> { Set((raw as? [String: Any])?.keys.map { $0 } ?? []) }
    /// True for an explicit JSON null (as opposed to a missing key).
    var isNull: Bool { raw is NSNull }
    var exists: Bool { raw != nil }
    var any: Any? { raw }

    var description: String {
        guard let raw, JSONSerialization.isValidJSONObject(raw),
              let data = try? JSONSerialization.data(withJSONObject: raw, options: [.sortedKeys]) else { return "\(raw ?? "nil")" }
        return String(decoding: data, as: UTF8.self)
    }
}
