/// A runtime parameter value as it travels in JSON: a string, a number or a boolean.
public enum RuntimeParameterValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case string(String)
    case numeric(Double)
    case boolean(Bool)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Bool first: Foundation would otherwise read `true` as the number 1.
        if let flag = try? container.decode(Bool.self) {
            self = .boolean(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .numeric(number)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .numeric(let number): try container.encode(number)
        case .boolean(let flag): try container.encode(flag)
        }
    }

    public var description: String {
        switch self {
        case .string(let text): "\"\(text)\""
        case .numeric(let number): String(number)
        case .boolean(let flag): String(flag)
        }
    }

    /// Whether this value has the JSON shape `type` expects.
    public func fits(_ type: RuntimeParameterType) -> Bool {
        switch (self, type) {
        case (.string, _): type.takesString
        case (.numeric, .numeric), (.boolean, .boolean): true
        default: false
        }
    }
}
