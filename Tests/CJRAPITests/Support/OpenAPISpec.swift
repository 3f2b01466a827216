import Foundation
import Yams
@testable import CJRAPI

/// The repository's `openapi.yaml`, with a small JSON Schema checker for responses: enough
/// of the vocabulary the spec uses ($ref, type, enum, required, properties,
/// additionalProperties, items, anyOf/oneOf/allOf, length and count limits) to catch any
/// drift between the document and what the server sends.
struct OpenAPISpec: Sendable {
    private let document: Storage
    private struct Storage: @unchecked Sendable { let root: [String: Any] }

    static let fileURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("openapi.yaml")

    static func load() throws -> OpenAPISpec {
        let text = try String(contentsOf: fileURL, encoding: .utf8)
        guard let root = try Yams.load(yaml: text) as? [String: Any] else { throw TestFailure("openapi.yaml is not a mapping") }
        return OpenAPISpec(document: Storage(root: root))
    }

    var root: [String: Any] { document.root }
    var paths: [String: Any] { root["paths"] as? [String: Any] ?? [:] }

    /// `GET /customJobs/{customJobId}/` style keys of every operation.
    var operations: Set<String> {
        var result = Set<String>()
        for (path, item) in paths {
            for method in (item as? [String: Any] ?? [:]).keys where ["get", "post", "patch", "put", "delete"].contains(method) {
                result.insert("\(method.uppercased()) \(path)")
            }
        }
        return result
    }

    /// The response object an operation documents for `status`, if any.
    func response(method: String, path: String, status: Int) -> [String: Any]? {
        let operation = (paths[path] as? [String: Any])?[method.lowercased()] as? [String: Any]
        let responses = operation?["responses"] as? [String: Any]
        return resolve(responses?[String(status)] as? [String: Any])
    }

    /// Problems with a response, or an empty list.
    func check(method: String, path: String, status: Int, contentType: String?, body: JSONValue?) -> [String] {
        guard let response = response(method: method, path: path, status: status) else {
            return ["\(method) \(path): status \(status) is not documented"]
        }
        guard let content = response["content"] as? [String: Any] else {
            return body == nil ? [] : ["\(method) \(path) \(status): documented without a body, but one was sent"]
        }
        guard let contentType, let media = content[contentType] as? [String: Any] else {
            return ["\(method) \(path) \(status): content type \(contentType ?? "none") not documented (\(content.keys.sorted()))"]
        }
        guard let schema = media["schema"] as? [String: Any] else { return [] }
        guard let body else { return ["\(method) \(path) \(status): documented with a JSON body, none was sent"] }
        return validate(body, against: schema, at: "\(method) \(path) \(status) body")
    }

    func validate(_ value: JSONValue, against rawSchema: [String: Any], at location: String) -> [String] {
        guard let schema = resolve(rawSchema) else { return ["\(location): unresolvable schema"] }
        var problems: [String] = []
        if let all = schema["allOf"] as? [[String: Any]] {
            for part in all { problems += validate(value, against: part, at: location) }
        }
        for key in ["anyOf", "oneOf"] {
            if let options = schema[key] as? [[String: Any]],
               !options.contains(where: { validate(value, against: $0, at: location).isEmpty }) {
                problems.append("\(location): matches none of \(key)")
            }
        }
        if let expected = schema["type"] {
            let types = (expected as? [String]) ?? [(expected as? String) ?? ""]
            if !types.contains(where: { Self.matches(value, type: $0) }) {
                return problems + ["\(location): \(value.typeName) where \(types) expected"]
            }
        }
        if let options = schema["enum"] as? [Any], !options.contains(where: { Self.equal(value, $0) }) {
            problems.append("\(location): \(value) not in enum \(options)")
        }
        switch value {
        case .object(let object):
            for name in schema["required"] as? [String] ?? [] where object[name] == nil {
                problems.append("\(location): required field '\(name)' missing")
            }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for (name, field) in object {
                if let fieldSchema = properties[name] as? [String: Any] {
                    problems += validate(field, against: fieldSchema, at: "\(location).\(name)")
                } else if schema["additionalProperties"] as? Bool == false {
                    problems.append("\(location): undocumented field '\(name)'")
                } else if let extra = schema["additionalProperties"] as? [String: Any] {
                    problems += validate(field, against: extra, at: "\(location).\(name)")
                }
            }
        case .array(let items):
            if let limit = schema["maxItems"] as? Int, items.count > limit { problems.append("\(location): more than \(limit) items") }
            if let itemSchema = schema["items"] as? [String: Any] {
                for (index, item) in items.enumerated() { problems += validate(item, against: itemSchema, at: "\(location)[\(index)]") }
            }
        case .string(let text):
            if let limit = schema["maxLength"] as? Int, text.count > limit { problems.append("\(location): longer than \(limit)") }
        case .number(let number):
            if let minimum = (schema["minimum"] as? NSNumber)?.doubleValue, number < minimum { problems.append("\(location): below \(minimum)") }
            if let maximum = (schema["maximum"] as? NSNumber)?.doubleValue, number > maximum { problems.append("\(location): above \(maximum)") }
        default:
            break
        }
        return problems
    }

    private func resolve(_ schema: [String: Any]?) -> [String: Any]? {
        guard let schema else { return nil }
        guard let reference = schema["$ref"] as? String else { return schema }
        var node: Any? = root
        for part in reference.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] }
        return resolve(node as? [String: Any])
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (value, type) {
        case (.null, "null"), (.bool, "boolean"), (.string, "string"), (.array, "array"), (.object, "object"), (.number, "number"):
            true
        case (.number(let number), "integer"):
            number.rounded() == number
        default:
            false
        }
    }

    private static func equal(_ value: JSONValue, _ other: Any) -> Bool {
        switch value {
        case .string(let text): (other as? String) == text
        case .bool(let flag): (other as? Bool) == flag
        case .number(let number): (other as? NSNumber)?.doubleValue == number
        case .null: other is NSNull
        default: false
        }
    }
}
