import Foundation
import CJRModel

/// A parsed JSON document, so request bodies can be checked field by field with messages
/// that name the field, and unknown fields can be refused.
enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let flag = try? container.decode(Bool.self) { self = .bool(flag) }
        else if let number = try? container.decode(Double.self) { self = .number(number) }
        else if let text = try? container.decode(String.self) { self = .string(text) }
        else if let items = try? container.decode([JSONValue].self) { self = .array(items) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    /// The JSON type's name, for error messages.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension JSONValue {
    /// Parses a request body's JSON. Foundation keeps the last of duplicate keys without a
    /// word, which would let `{"name": "a", "name": "b"}` mean whatever a reader picks;
    /// such a body is refused, naming the key.
    static func parse(_ data: Data) throws(CJRError) -> JSONValue {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw CJRError(.invalidInput, "The request body is not valid JSON.")
        }
        if let key = firstDuplicateKey(in: data) {
            throw CJRError.invalid(key, "is given more than once in the same JSON object")
        }
        return value
    }

    /// The first key that appears twice in one object of `data` (valid JSON), if any.
    static func firstDuplicateKey(in data: Data) -> String? {
        struct Container {
            var isObject: Bool
            var keys: Set<String> = []
            var expectsKey = true
        }
        var stack: [Container] = []
        let bytes = [UInt8](data)
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                let start = index + 1
                var escaped = false
                index += 1
                while index < bytes.count {
                    if bytes[index] == UInt8(ascii: "\\") { escaped = true; index += 2; continue }
                    if bytes[index] == UInt8(ascii: "\"") { break }
                    index += 1
                }
                if let top = stack.last, top.isObject, top.expectsKey {
                    let raw = Data(bytes[start..<min(index, bytes.count)])
                    // Compare keys as JSON means them: "\u0061" is "a".
                    let key = escaped ? (try? JSONDecoder().decode(String.self, from: Data("\"".utf8) + raw + Data("\"".utf8)))
                        ?? String(decoding: raw, as: UTF8.self) : String(decoding: raw, as: UTF8.self)
                    stack[stack.count - 1].expectsKey = false
                    if !stack[stack.count - 1].keys.insert(key).inserted { return key }
                }
            case UInt8(ascii: "{"): stack.append(Container(isObject: true))
            case UInt8(ascii: "["): stack.append(Container(isObject: false))
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = stack.popLast()
            case UInt8(ascii: ","): if stack.last?.isObject == true { stack[stack.count - 1].expectsKey = true }
            default: break
            }
            index += 1
        }
        return nil
    }
}
