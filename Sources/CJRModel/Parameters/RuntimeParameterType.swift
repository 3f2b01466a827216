/// The value types a runtime parameter can declare.
public enum RuntimeParameterType: String, Sendable, Codable, CaseIterable {
    case string
    case boolean
    case numeric
    case credential
    case deployment
    case modelPackage
    case customMetric

    public static func parse(_ text: String, field: String) throws(CJRError) -> RuntimeParameterType {
        guard let value = RuntimeParameterType(rawValue: text) else {
            throw .invalid(field, "'\(text)' is not one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// Types whose values are text on the wire (ids for the reference types).
    public var takesString: Bool {
        switch self {
        case .string, .credential, .deployment, .modelPackage, .customMetric: true
        case .boolean, .numeric: false
        }
    }
}

/// The credential types of the reference, for `credential` parameters.
public enum CredentialType: String, Sendable, Codable, CaseIterable {
    case adlsGen2Oauth, apiToken, azure, azureServicePrincipal, basic, bearer
    case databricksAccessTokenAccount, databricksServicePrincipalAccount, gcp, oauth, rsa, s3
    case sapOauth, snowflakeKeyPairUserAccount, snowflakeOauthUserAccount, tableauAccessToken
}
