import Crypto
import Foundation
import GRDB
import CJRModel
import CJRParameters

/// A stored credential as the API shows it: never its secret values, only which fields it has.
public struct StoredCredential: Sendable, Equatable {
    public var id: String
    public var name: String
    public var credentialType: CredentialType
    public var description: String
    public var created: Timestamp
    public var fieldNames: [String]
}

extension RunStore {
    /// Stores a credential; its field values are sealed with AES-GCM under the data
    /// directory's key (`credentials.key`, 0600) and only ever leave the store into a run's
    /// environment. It belongs to `ownerId`: no one else lists, reads or uses it, and its
    /// name is unique among that user's credentials.
    public func createCredential(name: String, type: CredentialType, description: String,
                                 fields: [String: String], ownerId: String) async throws -> StoredCredential {
        try FieldLimits.validateName(name)
        try FieldLimits.validateDescription(description)
        let spec = CredentialFields.spec(for: type)
        for field in spec.required where (fields[field] ?? "").isEmpty {
            throw CJRError.invalid(field, "is required for a \(type.rawValue) credential (fields: \(spec.all.joined(separator: ", ")))")
        }
        for field in fields.keys.sorted() where !spec.all.contains(field) {
            throw CJRError.invalid(field, "is not a field of a \(type.rawValue) credential (fields: \(spec.all.joined(separator: ", ")))")
        }
        let sealed = try AES.GCM.seal(try JSONEncoder.stored.encode(fields), using: try credentialKey()).combined ?? Data()
        let credential = StoredCredential(id: ObjectID.make(), name: name, credentialType: type, description: description,
                                          created: .now(), fieldNames: spec.all.filter { fields[$0] != nil })
        try await database.write { db in
            if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM credential WHERE name = ? AND ownerId = ?", arguments: [name, ownerId]) ?? 0 > 0 {
                throw CJRError(.conflict, "name: you already have a credential named '\(name)'", field: "name")
            }
            try db.execute(sql: """
                INSERT INTO credential (id, ownerId, name, credentialType, description, created, fieldNames, secret) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [credential.id, ownerId, name, type.rawValue, description, credential.created.microseconds,
                                 try storedJSON(credential.fieldNames), sealed])
        }
        return credential
    }

    /// `ownerId`'s credentials, newest first.
    public func credentials(ownerId: String, page: PageRequest) async throws -> Page<StoredCredential> {
        try await database.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM credential WHERE ownerId = ?", arguments: [ownerId]) ?? 0
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM credential WHERE ownerId = ? ORDER BY created DESC, id LIMIT ? OFFSET ?",
                                        arguments: [ownerId, page.limit, page.offset])
            return Page(items: try rows.map(Self.credential), totalCount: total, request: page)
        }
    }

    /// One of `ownerId`'s credentials; anyone else's is not found.
    public func credential(id: String, ownerId: String) async throws -> StoredCredential {
        try await database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM credential WHERE id = ? AND ownerId = ?", arguments: [id, ownerId]) else {
                throw CJRError.notFound("Credential \(id) not found.")
            }
            return try Self.credential(row)
        }
    }

    public func deleteCredential(id: String, ownerId: String) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM credential WHERE id = ? AND ownerId = ?", arguments: [id, ownerId])
            if db.changesCount == 0 { throw CJRError.notFound("Credential \(id) not found.") }
        }
    }

    /// The secret field values of a credential, for the environment of a run `ownerId`
    /// started (checked again here: a run never gets another user's secrets).
    public func credentialSecrets(id: String, ownerId: String) async throws -> (type: CredentialType, fields: [String: String]) {
        let stored: (String, Data)? = try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT credentialType, secret FROM credential WHERE id = ? AND ownerId = ?", arguments: [id, ownerId])
                .map { ($0["credentialType"], $0["secret"]) }
        }
        guard let stored, let type = CredentialType(rawValue: stored.0) else {
            throw CJRError.invalid("runtimeParameterValues", "credential '\(id)' does not exist")
        }
        let opened = try AES.GCM.open(try AES.GCM.SealedBox(combined: stored.1), using: try credentialKey())
        return (type, try JSONDecoder().decode([String: String].self, from: opened))
    }

    private static func credential(_ row: Row) throws -> StoredCredential {
        StoredCredential(id: row["id"], name: row["name"], credentialType: CredentialType(rawValue: row["credentialType"]) ?? .basic,
                         description: row["description"], created: Timestamp(microseconds: row["created"]),
                         fieldNames: try decodeStoredJSON([String].self, row["fieldNames"]))
    }

    /// The data directory's credential key, created on first use.
    private func credentialKey() throws -> SymmetricKey {
        let url = directory.root.appendingPathComponent("credentials.key")
        if let data = try? Data(contentsOf: url), data.count == 32 { return SymmetricKey(data: data) }
        let key = SymmetricKey(size: .bits256)
        let staged = url.path + ".\(ObjectID.make())"
        let descriptor = open(staged, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw POSIXFailure(operation: "create \(staged)") }
        let bytes = key.withUnsafeBytes { Array($0) }
        let written = Foundation.write(descriptor, bytes, bytes.count)
        fsync(descriptor)
        close(descriptor)
        // link() fails if another process created the key first: then use theirs.
        defer { unlink(staged) }
        guard written == 32 else { throw POSIXFailure(operation: "write \(staged)") }
        if link(staged, url.path) != 0 && errno != EEXIST { throw POSIXFailure(operation: "store \(url.path)") }
        guard let data = try? Data(contentsOf: url), data.count == 32 else { throw POSIXFailure(operation: "read \(url.path)", code: EIO) }
        return SymmetricKey(data: data)
    }
}

/// Checks that every credential parameter value names a stored credential of the right type.
struct CredentialCheck {
    let db: Database
    /// The user setting the values, or starting the run.
    let userId: String

    /// Every credential `values` name must exist and be of the definition's type. Those in
    /// `settingNow` (nil: all) must also belong to ``userId``: another user's credential is
    /// reported as not existing, as it is to them. Values set earlier by someone else (a
    /// job-level value another user of the job set) need only exist.
    func check(_ values: [String: RuntimeParameterValue], definitions: [RuntimeParameterDefinition], field: String,
               settingNow: Set<String>? = nil) throws {
        for definition in definitions where definition.type == .credential {
            guard case .string(let id)? = values[definition.fieldName] else { continue }
            let mustOwn = settingNow?.contains(definition.fieldName) ?? true
            guard let type = try String.fetchOne(db, sql: "SELECT credentialType FROM credential WHERE id = ? AND (? OR ownerId = ?)",
                                                 arguments: [id, !mustOwn, userId]) else {
                throw CJRError.invalid(field, "parameter '\(definition.fieldName)': credential '\(id)' does not exist"
                                       + (settingNow == nil ? " among the credentials of the user who starts the run" : ""))
            }
            if let expected = definition.credentialType, expected.rawValue != type {
                throw CJRError.invalid(field, "parameter '\(definition.fieldName)' needs a \(expected.rawValue) credential; '\(id)' is \(type)")
            }
        }
    }
}
