import Foundation
import CJRModel

/// How parameter values become environment variables: the platform's convention for custom
/// jobs (one raw variable per parameter, credentials split per field) and, opt-in, DRUM's
/// (`MLOPS_RUNTIME_PARAM_<name>` holding `{"type": …, "payload": …}`).
public enum ParameterEncoding {
    /// The text a value takes in the environment. Numbers are written as Python writes a
    /// float (`10.0`, `0.5`, `1e-05`), booleans as Python writes them (`True`, `False`): the
    /// platform's runner is Python, so that is what a script sees after upload.
    public static func text(of value: RuntimeParameterValue) -> String {
        switch value {
        case .string(let text): text
        case .boolean(let flag): flag ? "True" : "False"
        case .numeric(let number): pythonFloat(number)
        }
    }

    /// Python's `repr(float)`: shortest round-trip digits, `.0` on whole numbers, exponent
    /// form below 1e-4 and from 1e16, `inf`/`nan` spelled as Python does.
    public static func pythonFloat(_ number: Double) -> String {
        if number.isNaN { return "nan" }
        if number.isInfinite { return number < 0 ? "-inf" : "inf" }
        let magnitude = abs(number)
        if magnitude != 0 && (magnitude < 1e-4 || magnitude >= 1e16) {
            // Swift writes "1e-05"/"1e+16" like Python for these ranges.
            return number.description
        }
        var text = number.description
        if text.contains("e") {
            // Swift switches to exponent form from 2^53 on, Python only from 1e16: expand.
            text = NSDecimalNumber(string: text).stringValue
        }
        if !text.contains(".") { text += ".0" }
        return text
    }

    /// `{"type": …, "payload": …}` as `datarobot_drum.RuntimeParameters` reads it.
    public static func drumPayload(type: RuntimeParameterType, value: RuntimeParameterValue?, credential: [String: String]?) -> String {
        var object: [String: Any] = ["type": type.rawValue]
        if let credential {
            object["payload"] = credential
        } else {
            switch value {
            case .string(let text)?: object["payload"] = text
            case .numeric(let number)?: object["payload"] = number
            case .boolean(let flag)?: object["payload"] = flag
            case nil: object["payload"] = NSNull()
            }
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
