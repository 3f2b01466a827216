import ArgumentParser
import Foundation
import Yams
import CJRModel
import CJRStore

/// `--param NAME=VALUE` and `--param-file`, typed by the job's definitions.
struct ParameterArguments {
    let definitions: [RuntimeParameterDefinition]

    func overrides(pairs: [String], file: String?) throws -> [RuntimeParameterOverride] {
        var values: [(String, String)] = []
        if let file {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            guard let mapping = try Yams.load(yaml: text) as? [String: Any] else {
                throw CJRError.invalid("--param-file", "\(file) must be a mapping of NAME: VALUE")
            }
            values += mapping.sorted { $0.key < $1.key }.map { ($0.key, "\($0.value)") }
        }
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "=") else {
                throw CJRError.invalid("--param", "'\(pair)' must be NAME=VALUE")
            }
            values.append((String(pair[..<equals]), String(pair[pair.index(after: equals)...])))
        }
        return try values.map { name, text in
            guard let definition = definitions.first(where: { $0.fieldName == name }) else {
                let known = definitions.map(\.fieldName)
                throw CJRError.invalid("--param", "unknown parameter '\(name)' (metadata.yaml declares: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
            }
            return RuntimeParameterOverride(fieldName: name, type: definition.type, value: try Self.value(text, for: definition))
        }
    }

    /// The values as the API takes them: a JSON array of `{fieldName, type, value}`.
    func json(pairs: [String], file: String? = nil) throws -> String {
        let values = try overrides(pairs: pairs, file: file).map(WireValue.init)
        return String(decoding: try JSONEncoder().encode(values), as: UTF8.self)
    }

    private struct WireValue: Encodable {
        var fieldName: String
        var type: String
        var value: RuntimeParameterValue?

        init(_ override: RuntimeParameterOverride) {
            fieldName = override.fieldName
            type = override.type.rawValue
            value = override.value
        }
    }

    private static func value(_ text: String, for definition: RuntimeParameterDefinition) throws -> RuntimeParameterValue {
        switch definition.type {
        case .numeric:
            guard let number = Double(text) else { throw CJRError.invalid("--param", "'\(definition.fieldName)' is numeric; '\(text)' is not a number") }
            return .numeric(number)
        case .boolean:
            switch text.lowercased() {
            case "true", "1", "yes": return .boolean(true)
            case "false", "0", "no": return .boolean(false)
            default: throw CJRError.invalid("--param", "'\(definition.fieldName)' is boolean; use true or false, not '\(text)'")
            }
        default:
            return .string(text)
        }
    }
}

/// Problems found before running, reported the way a compiler would: where, what, how to fix.
enum Preflight {
    static func describe(_ error: CJRError, folder: String) -> String {
        let location: String
        switch error.field {
        case "metadata.yaml"?: location = "\(folder)/metadata.yaml"
        case "entryPoint"?, "entry point"?: location = folder
        default: location = folder
        }
        var hint = ""
        if error.message.contains("allowEmpty: false") { hint = "\n  hint: pass a value with --param NAME=VALUE or --param-file values.yaml" }
        if error.field == "entryPoint" { hint = "\n  hint: a custom job's entry point is usually run.sh, starting with cd \"$(dirname \"$0\")\"" }
        return "error: \(location): \(error.message)\(hint)\n"
    }
}
