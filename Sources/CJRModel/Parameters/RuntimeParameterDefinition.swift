/// One entry of `runtimeParameterDefinitions` in a job's `metadata.yaml`.
public struct RuntimeParameterDefinition: Sendable, Equatable, Codable {
    public var fieldName: String
    public var type: RuntimeParameterType
    public var defaultValue: RuntimeParameterValue?
    public var minValue: Double?
    public var maxValue: Double?
    public var credentialType: CredentialType?
    public var allowEmpty: Bool
    public var description: String?

    public init(fieldName: String, type: RuntimeParameterType, defaultValue: RuntimeParameterValue? = nil,
                minValue: Double? = nil, maxValue: Double? = nil, credentialType: CredentialType? = nil,
                allowEmpty: Bool = true, description: String? = nil) {
        self.fieldName = fieldName
        self.type = type
        self.defaultValue = defaultValue
        self.minValue = minValue
        self.maxValue = maxValue
        self.credentialType = credentialType
        self.allowEmpty = allowEmpty
        self.description = description
    }

    /// Checks that `value` may be given to this parameter; `field` names the input at fault.
    public func validate(_ value: RuntimeParameterValue, field: String) throws(CJRError) {
        guard value.fits(type) else {
            throw .invalid(field, "parameter '\(fieldName)' is \(type.rawValue), got \(value)")
        }
        switch value {
        case .string(let text) where text.count > FieldLimits.runtimeParameterStringLength:
            throw .invalid(field, "parameter '\(fieldName)' is longer than \(FieldLimits.runtimeParameterStringLength) characters")
        case .numeric(let number):
            if !number.isFinite { throw .invalid(field, "parameter '\(fieldName)' must be a finite number") }
            if let minValue, number < minValue {
                throw .invalid(field, "parameter '\(fieldName)' is \(number), below its minValue \(minValue)")
            }
            if let maxValue, number > maxValue {
                throw .invalid(field, "parameter '\(fieldName)' is \(number), above its maxValue \(maxValue)")
            }
        default:
            break
        }
    }
}

/// One `{fieldName, type, value}` entry of `runtimeParameterValues`; a nil value unsets.
public struct RuntimeParameterOverride: Sendable, Equatable {
    public var fieldName: String
    public var type: RuntimeParameterType
    public var value: RuntimeParameterValue?

    public init(fieldName: String, type: RuntimeParameterType, value: RuntimeParameterValue?) {
        self.fieldName = fieldName
        self.type = type
        self.value = value
    }
}

extension [RuntimeParameterDefinition] {
    /// Applies `overrides` on top of `current` values after checking each against its
    /// definition: an unknown name, a type that differs from the definition's, or a value
    /// that breaks the definition's rules is an error naming `field`.
    public func merging(
        _ overrides: [RuntimeParameterOverride],
        into current: [String: RuntimeParameterValue],
        field: String
    ) throws(CJRError) -> [String: RuntimeParameterValue] {
        var merged = current
        for (index, override) in overrides.enumerated() {
            let entry = "\(field)[\(index)]"
            guard let definition = first(where: { $0.fieldName == override.fieldName }) else {
                let known = map(\.fieldName)
                let hint = known.isEmpty ? "the job's metadata.yaml declares no runtime parameters"
                    : "declared: \(known.joined(separator: ", "))"
                throw .invalid(entry, "unknown fieldName '\(override.fieldName)' (\(hint))")
            }
            guard override.type == definition.type else {
                throw .invalid(entry, "parameter '\(override.fieldName)' is declared \(definition.type.rawValue), not \(override.type.rawValue)")
            }
            if let value = override.value {
                try definition.validate(value, field: entry)
                merged[override.fieldName] = value
            } else {
                merged[override.fieldName] = nil
            }
        }
        return merged
    }
}
