import ArgumentParser
import Foundation
import Yams
import CJRModel
import CJRStore

/// `--param NAME=VALUE` and `--param-file`, typed by the job's definitions. A credential
/// parameter takes a credential's ID or its name (`credential` turns a name into an ID).
struct ParameterArguments {
    let definitions: [RuntimeParameterDefinition]
    var credential: (@Sendable (String) async throws -> String)? = nil

    /// The values, credential names turned into IDs.
    func resolvedOverrides(pairs: [String], file: String?) async throws -> [RuntimeParameterOverride] {
        var resolved: [RuntimeParameterOverride] = []
        for var override in try overrides(pairs: pairs, file: file) {
            if override.type == .credential, case .string(let reference)? = override.value, let credential,
               !(reference.count == 24 && reference.allSatisfy(\.isHexDigit)) {
                override.value = .string(try await credential(reference))
            }
            resolved.append(override)
        }
        return resolved
    }

    func overrides(pairs: [String], file: String?) throws -> [RuntimeParameterOverride] {
        // Each value with the option it came from, so an error names that option.
        var values: [(option: String, name: String, text: String)] = []
        if let file {
            let option = "--param-file"
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                let reason = FileManager.default.fileExists(atPath: file) ? "cannot be read as UTF-8 text" : "does not exist"
                throw CJRError.invalid(option, "\(file) \(reason)")
            }
            let mapping: [String: Any]
            do {
                guard let loaded = try Yams.load(yaml: text) as? [String: Any] else {
                    throw CJRError.invalid(option, "\(file) must be a mapping of NAME: VALUE")
                }
                mapping = loaded
            } catch let error as CJRError {
                throw error
            } catch {
                throw CJRError.invalid(option, "\(file) is not valid YAML: \(ErrorText.describe(error))")
            }
            values += mapping.sorted { $0.key < $1.key }.map { (option, $0.key, "\($0.value)") }
        }
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "=") else {
                throw CJRError.invalid("--param", "'\(pair)' must be NAME=VALUE")
            }
            values.append(("--param", String(pair[..<equals]), String(pair[pair.index(after: equals)...])))
        }
        return try values.map { option, name, text in
            guard let definition = definitions.first(where: { $0.fieldName == name }) else {
                let known = definitions.map(\.fieldName)
                throw CJRError.invalid(option, "unknown parameter '\(name)'\(Suggestion.phrase(for: name, among: known)) (metadata.yaml declares: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
            }
            return RuntimeParameterOverride(fieldName: name, type: definition.type, value: try Self.value(text, for: definition, option: option))
        }
    }

    /// The values as the API takes them: a JSON array of `{fieldName, type, value}`.
    func json(pairs: [String], file: String? = nil) async throws -> String {
        String(decoding: try JSONEncoder().encode(try await wireValues(pairs: pairs, file: file)), as: UTF8.self)
    }

    /// The values as the API's `{fieldName, type, value}` objects.
    func wireValues(pairs: [String], file: String? = nil) async throws -> [WireValue] {
        try await resolvedOverrides(pairs: pairs, file: file).map(WireValue.init)
    }

    struct WireValue: Encodable, Sendable {
        var fieldName: String
        var type: String
        var value: RuntimeParameterValue?

        init(_ override: RuntimeParameterOverride) {
            fieldName = override.fieldName
            type = override.type.rawValue
            value = override.value
        }
    }

    private static func value(_ text: String, for definition: RuntimeParameterDefinition, option: String) throws -> RuntimeParameterValue {
        switch definition.type {
        case .numeric:
            guard let number = Double(text) else { throw CJRError.invalid(option, "'\(definition.fieldName)' is numeric; '\(text)' is not a number") }
            return .numeric(number)
        case .boolean:
            switch text.lowercased() {
            case "true", "1", "yes": return .boolean(true)
            case "false", "0", "no": return .boolean(false)
            default: throw CJRError.invalid(option, "'\(definition.fieldName)' is boolean; use true or false, not '\(text)'")
            }
        default:
            return .string(text)
        }
    }
}

/// Problems found before running that `cjr check` cannot see (they depend on the store or
/// the command line: a parameter's value, a bundle, an environment), reported as it
/// reports its own: `path: error: what` and a hint.
enum Preflight {
    static func describe(_ error: CJRError, folder: String) -> String {
        let location: String
        switch error.field {
        case "metadata.yaml"?: location = "\(folder)/metadata.yaml: "
        case "entryPoint"?, "entry point"?: location = "\(folder): "
        default: location = ""
        }
        var hint = ""
        if error.message.contains("allowEmpty: false") { hint = "\n  hint: or give it a defaultValue in metadata.yaml, or list it in a --param-file" }
        if error.field == "entryPoint" { hint = "\n  hint: a custom job's entry point is usually run.sh, starting with cd \"$(dirname \"$0\")\"" }
        return "\(location)error: \(error.message)\(hint)\n"
    }
}
