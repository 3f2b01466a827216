import CJRModel
import CJRStore

/// A credential in the platform's shape, plus the names (never the values) of its fields.
struct CredentialPayload: Encodable, Sendable {
    var credentialId: String
    var name: String
    var credentialType: String
    var description: String
    var creationDate: String
    var fields: [String]

    init(_ credential: StoredCredential) {
        credentialId = credential.id
        name = credential.name
        credentialType = credential.credentialType.rawValue
        description = credential.description
        creationDate = credential.created.iso8601
        fields = credential.fieldNames
    }
}
