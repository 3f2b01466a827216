import Foundation
import Yams
import CJRModel

/// Reads `runtimeParameterDefinitions` from a job's `metadata.yaml` (the DRUM model-metadata
/// format; other top-level keys are the platform's business and are ignored).
///
/// Every problem is a 422 naming the file, the line and the field, e.g.
/// `metadata.yaml line 7: runtimeParameterDefinitions[1].type: 'text' is not one of …`.
public enum MetadataParser {
    public static let fileName = "metadata.yaml"

    public static func definitions(fromYAML text: String) throws(CJRError) -> [RuntimeParameterDefinition] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw CJRError.invalid(fileName, "is not valid YAML: \(Self.describe(error))")
        } catch {
            throw CJRError.invalid(fileName, "is not valid YAML: \(error)")
        }
        guard let root else { return [] }
        guard case .mapping(let top) = root else {
            throw failure(root, "the document must be a mapping (key: value), not \(kind(root))")
        }
        guard let list = top.first(where: { $0.key.string == "runtimeParameterDefinitions" })?.value else { return [] }
        if isNull(list) { return [] }
        guard case .sequence(let entries) = list else {
            throw failure(list, "runtimeParameterDefinitions must be a list of definitions, not \(kind(list))")
        }
        var seen: [String: Int] = [:]
        var definitions: [RuntimeParameterDefinition] = []
        for (index, entry) in entries.enumerated() {
            let definition = try parseDefinition(entry, path: "runtimeParameterDefinitions[\(index)]")
            if let first = seen[definition.fieldName] {
                throw failure(entry, "runtimeParameterDefinitions[\(index)].fieldName: '\(definition.fieldName)' is already declared by entry \(first)")
            }
            seen[definition.fieldName] = index
            definitions.append(definition)
        }
        if definitions.count > FieldLimits.runtimeParameterValues {
            throw CJRError.invalid(fileName, "declares \(definitions.count) runtime parameters; at most \(FieldLimits.runtimeParameterValues) are allowed")
        }
        return definitions
    }

    private static let knownKeys: Set = ["fieldName", "type", "defaultValue", "minValue", "maxValue", "credentialType", "allowEmpty", "description"]

    private static func parseDefinition(_ node: Node, path: String) throws(CJRError) -> RuntimeParameterDefinition {
        guard case .mapping(let mapping) = node else { throw failure(node, "\(path) must be a mapping, not \(kind(node))") }
        var fields: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string, knownKeys.contains(name) else {
                throw failure(key, "\(path): unknown key '\(key.string ?? "?")'; known: \(knownKeys.sorted().joined(separator: ", "))")
            }
            fields[name] = value
        }
        guard let nameNode = fields["fieldName"], let fieldName = string(nameNode) else {
            throw failure(node, "\(path).fieldName is required (a string)")
        }
        guard ReservedNames.isIdentifier(fieldName) else {
            throw failure(nameNode, "\(path).fieldName: '\(fieldName)' is not an identifier (letters, digits and _, not starting with a digit)")
        }
        guard !ReservedNames.contains(fieldName) else {
            throw failure(nameNode, "\(path).fieldName: '\(fieldName)' is reserved (it would replace a variable every run relies on)")
        }
        guard let typeNode = fields["type"], let typeName = string(typeNode) else { throw failure(node, "\(path).type is required") }
        guard let type = RuntimeParameterType(rawValue: typeName) else {
            throw failure(typeNode, "\(path).type: '\(typeName)' is not one of \(RuntimeParameterType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var definition = RuntimeParameterDefinition(fieldName: fieldName, type: type)
        if let node = fields["allowEmpty"] {
            guard has(node, .bool), let flag = node.bool else { throw failure(node, "\(path).allowEmpty must be true or false") }
            definition.allowEmpty = flag
        }
        if let node = fields["description"], !isNull(node) {
            guard let text = node.string, case .scalar = node else { throw failure(node, "\(path).description must be text") }
            definition.description = text
        }
        for (key, keyPath) in [("minValue", \RuntimeParameterDefinition.minValue), ("maxValue", \RuntimeParameterDefinition.maxValue)] {
            guard let node = fields[key], !isNull(node) else { continue }
            guard type == .numeric else { throw failure(node, "\(path).\(key) applies to numeric parameters only") }
            guard let number = number(node) else { throw failure(node, "\(path).\(key) must be a number") }
            definition[keyPath: keyPath] = number
        }
        if let minimum = definition.minValue, let maximum = definition.maxValue, minimum > maximum {
            throw failure(fields["minValue"] ?? node, "\(path): minValue \(minimum) is greater than maxValue \(maximum)")
        }
        if let node = fields["credentialType"], !isNull(node) {
            guard type == .credential else { throw failure(node, "\(path).credentialType applies to credential parameters only") }
            guard let name = string(node), let credentialType = CredentialType(rawValue: name) else {
                throw failure(node, "\(path).credentialType: '\(node.string ?? "")' is not one of \(CredentialType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            definition.credentialType = credentialType
        }
        if let node = fields["defaultValue"], !isNull(node) {
            let value: RuntimeParameterValue
            switch type {
            case .numeric:
                guard let number = number(node) else { throw failure(node, "\(path).defaultValue must be a number for a numeric parameter") }
                value = .numeric(number)
            case .boolean:
                guard has(node, .bool), let flag = node.bool else { throw failure(node, "\(path).defaultValue must be true or false for a boolean parameter") }
                value = .boolean(flag)
            default:
                guard case .scalar(let scalar) = node else { throw failure(node, "\(path).defaultValue must be text for a \(type.rawValue) parameter") }
                value = .string(scalar.string)
            }
            do {
                try definition.validate(value, field: "\(path).defaultValue")
            } catch {
                throw failure(node, error.message)
            }
            definition.defaultValue = value
        }
        return definition
    }

    /// The YAML type a scalar resolved to (`10` is an int, `"10"` a string).
    private static func has(_ node: Node, _ name: Tag.Name) -> Bool {
        node.tag.rawValue == name.rawValue
    }

    private static func isNull(_ node: Node) -> Bool {
        if case .scalar = node { return has(node, .null) }
        return false
    }

    private static func string(_ node: Node) -> String? {
        guard case .scalar(let scalar) = node, !isNull(node) else { return nil }
        return scalar.string
    }

    private static func number(_ node: Node) -> Double? {
        guard has(node, .int) || has(node, .float) else { return nil }
        return node.float ?? node.int.map(Double.init)
    }

    private static func kind(_ node: Node) -> String {
        switch node {
        case .scalar: "a single value"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    private static func failure(_ node: Node, _ message: String) -> CJRError {
        let line = node.mark.map { "line \($0.line): " } ?? ""
        return CJRError(.invalidInput, "\(fileName) \(line)\(message)", field: fileName)
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            "\(problem) at line \(mark.line), column \(mark.column)"
        default:
            "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
        }
    }
}
