import CJRModel

/// The fields each credential type holds, in the platform's names. A credential parameter
/// becomes one variable per field: `<fieldName>_<FIELD_IN_UPPER_SNAKE>`.
public enum CredentialFields {
    public struct Spec: Sendable {
        public var required: [String]
        public var optional: [String]
        public var all: [String] { required + optional }
    }

    public static func spec(for type: CredentialType) -> Spec {
        switch type {
        case .basic: Spec(required: ["user", "password"], optional: [])
        case .s3: Spec(required: ["awsAccessKeyId", "awsSecretAccessKey"], optional: ["awsSessionToken"])
        case .apiToken: Spec(required: ["apiToken"], optional: [])
        case .bearer: Spec(required: ["token"], optional: [])
        case .oauth: Spec(required: ["token"], optional: ["refreshToken"])
        case .gcp: Spec(required: ["gcpKey"], optional: [])
        case .azure: Spec(required: ["azureConnectionString"], optional: [])
        case .azureServicePrincipal: Spec(required: ["clientId", "clientSecret", "azureTenantId"], optional: [])
        case .adlsGen2Oauth: Spec(required: ["clientId", "clientSecret", "oauthScopes"], optional: [])
        case .rsa: Spec(required: ["rsaPrivateKey"], optional: [])
        case .databricksAccessTokenAccount: Spec(required: ["databricksAccessToken"], optional: [])
        case .databricksServicePrincipalAccount: Spec(required: ["clientId", "clientSecret"], optional: [])
        case .sapOauth: Spec(required: ["clientId", "clientSecret", "sapAiApiUrl"], optional: [])
        case .snowflakeKeyPairUserAccount: Spec(required: ["user", "privateKeyStr"], optional: ["passphrase"])
        case .snowflakeOauthUserAccount: Spec(required: ["oauthClientId", "oauthClientSecret"], optional: ["oauthIssuerUrl", "oauthScopes"])
        case .tableauAccessToken: Spec(required: ["tableauPersonalAccessTokenName", "tableauPersonalAccessTokenSecret"], optional: [])
        }
    }

    /// `awsAccessKeyId` → `AWS_ACCESS_KEY_ID`.
    public static func upperSnake(_ camel: String) -> String {
        var out = ""
        var previous: Character?
        for character in camel {
            if character.isUppercase, let previous, previous.isLowercase || previous.isNumber { out += "_" }
            out += character.uppercased()
            previous = character
        }
        return out
    }
}
