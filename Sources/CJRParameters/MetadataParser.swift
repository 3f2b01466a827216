import Foundation
import Yams
import CJRModel

/// One problem of a `metadata.yaml`: where (1-based line and column, when known), what, and
/// how to fix it.
public struct MetadataProblem: Error, Sendable, Equatable {
    public var line: Int?
    public var column: Int?
    public var message: String
    public var hint: String?

    public init(line: Int?, column: Int?, message: String, hint: String? = nil) {
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
    }

    /// As the API reports it: a 422 naming the file and the line.
    public var error: CJRError {
        CJRError(.invalidInput, "\(MetadataParser.fileName) \(line.map { "line \($0): " } ?? "")\(message)", field: MetadataParser.fileName)
    }
}

/// Reads `runtimeParameterDefinitions` from a job's `metadata.yaml` (the DRUM model-metadata
/// format).
///
/// The server takes the first problem as a 422 naming the file, the line and the field, e.g.
/// `metadata.yaml line 7: runtimeParameterDefinitions[1].type: 'text' is not one of …`, and
/// leaves the other top-level keys to the platform. `cjr check` asks for ``diagnose(yaml:)``:
/// every problem it can find, unknown top-level keys included (DRUM's schema refuses them).
public enum MetadataParser {
    public static let fileName = "metadata.yaml"

    /// The top-level keys of DRUM's model-metadata schema.
    public static let topLevelKeys = [
        "name", "type", "targetType", "environmentID", "description", "majorVersion", "inferenceModel", "trainingModel",
        "hyperparameters", "validation", "modelID", "customPredictor", "runtimeParameterDefinitions",
        "userCredentialSpecifications", "lazyLoading",
    ]

    public static func definitions(fromYAML text: String) throws(CJRError) -> [RuntimeParameterDefinition] {
        let result = analyze(text, strict: false)
        if let first = result.problems.first { throw first.error }
        return result.definitions
    }

    /// Every problem of the file, in order, and the definitions that are well formed.
    public static func diagnose(yaml text: String) -> (definitions: [RuntimeParameterDefinition], problems: [MetadataProblem]) {
        analyze(text, strict: true)
    }

    private static func analyze(_ text: String, strict: Bool) -> (definitions: [RuntimeParameterDefinition], problems: [MetadataProblem]) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            return ([], [Self.syntaxProblem(error, text: text)])
        } catch {
            return ([], [MetadataProblem(line: nil, column: nil, message: "is not valid YAML: \(error)")])
        }
        guard let root else { return ([], []) }
        guard case .mapping(let top) = root else {
            return ([], [problem(root, "the document must be a mapping (key: value), not \(kind(root))")])
        }
        var problems: [MetadataProblem] = []
        if strict {
            for key in top.keys where !topLevelKeys.contains(key.string ?? "") {
                let name = key.string ?? "?"
                problems.append(problem(key, "unknown key '\(name)'\(Suggestion.phrase(for: name, among: topLevelKeys))",
                                        hint: "the keys of metadata.yaml are DRUM's: \(topLevelKeys.joined(separator: ", "))"))
            }
        }
        guard let list = top.first(where: { $0.key.string == "runtimeParameterDefinitions" })?.value, !isNull(list) else {
            return ([], problems)
        }
        guard case .sequence(let entries) = list else {
            return ([], problems + [problem(list, "runtimeParameterDefinitions must be a list of definitions, not \(kind(list))")])
        }
        var seen: [String: Int] = [:]
        var definitions: [RuntimeParameterDefinition] = []
        for (index, entry) in entries.enumerated() {
            do throws(MetadataProblem) {
                let definition = try parseDefinition(entry, path: "runtimeParameterDefinitions[\(index)]", problems: &problems)
                if let first = seen[definition.fieldName] {
                    throw problem(entry, "runtimeParameterDefinitions[\(index)].fieldName: '\(definition.fieldName)' is already declared by entry \(first)")
                }
                seen[definition.fieldName] = index
                definitions.append(definition)
            } catch {
                problems.append(error)
            }
        }
        if definitions.count > FieldLimits.runtimeParameterValues {
            problems.append(problem(list, "declares \(definitions.count) runtime parameters; at most \(FieldLimits.runtimeParameterValues) are allowed"))
        }
        return (definitions, problems)
    }

    private static let knownKeys: Set = ["fieldName", "type", "defaultValue", "minValue", "maxValue", "credentialType", "allowEmpty", "description"]

    /// One definition; unknown keys are added to `problems` (all of them) and skipped, the
    /// first other problem is thrown.
    private static func parseDefinition(_ node: Node, path: String, problems: inout [MetadataProblem]) throws(MetadataProblem) -> RuntimeParameterDefinition {
        guard case .mapping(let mapping) = node else { throw failure(node, "\(path) must be a mapping, not \(kind(node))") }
        var fields: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string, knownKeys.contains(name) else {
                let name = key.string ?? "?"
                problems.append(problem(key, "\(path): unknown key '\(name)'\(Suggestion.phrase(for: name, among: knownKeys))",
                                        hint: "a definition's keys are \(knownKeys.sorted().joined(separator: ", "))"))
                continue
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
            let types = RuntimeParameterType.allCases.map(\.rawValue)
            throw failure(typeNode, "\(path).type: '\(typeName)' is not one of \(types.joined(separator: ", "))\(Suggestion.phrase(for: typeName, among: types))")
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
                let types = CredentialType.allCases.map(\.rawValue)
                throw failure(node, "\(path).credentialType: '\(node.string ?? "")' is not one of \(types.joined(separator: ", "))\(Suggestion.phrase(for: node.string ?? "", among: types))")
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

    private static func problem(_ node: Node, _ message: String, hint: String? = nil) -> MetadataProblem {
        MetadataProblem(line: node.mark?.line, column: node.mark?.column, message: message, hint: hint)
    }

    private static func failure(_ node: Node, _ message: String) -> MetadataProblem { problem(node, message) }

    /// A syntax error where the parser saw it; a tab there is named, since YAML indents
    /// with spaces only and the parser's own words do not say so.
    private static func syntaxProblem(_ error: YamlError, text: String) -> MetadataProblem {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            let line = lines.indices.contains(mark.line - 1) ? lines[mark.line - 1] : ""
            if let tab = line.firstIndex(of: "\t"), line[..<tab].allSatisfy({ $0 == " " || $0 == "\t" }) {
                return MetadataProblem(line: mark.line, column: line.distance(from: line.startIndex, to: tab) + 1,
                                       message: "is not valid YAML: a tab indents this line", hint: "YAML indents with spaces only; replace the tab with spaces")
            }
            return MetadataProblem(line: mark.line, column: mark.column, message: "is not valid YAML: \(problem)")
        default:
            return MetadataProblem(line: nil, column: nil, message: "is not valid YAML: " + ("\(error)".split(separator: "\n").first.map(String.init) ?? ""))
        }
    }
}
