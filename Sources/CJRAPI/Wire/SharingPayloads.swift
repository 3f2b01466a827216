import CJRModel

/// An item of `GET /customJobs/{id}/sharedRoles/`.
struct SharedRolePayload: Encodable, Sendable {
    var id: String
    var name: String
    var role: String
    var shareRecipientType: String

    init(_ role: SharedRole) {
        id = role.id
        name = role.name
        self.role = role.role.rawValue
        shareRecipientType = role.recipientType.rawValue
    }
}

/// The body of `PATCH /customJobs/{id}/sharedRoles/`: `operation: updateRoles` and 1–100
/// roles, each `{role, shareRecipientType, username | id}`. The official client's sharing
/// helpers also send `canShare`; it is accepted where it says what the role means anyway
/// (only an OWNER shares).
enum SharedRolesBody {
    static let maxRoles = 100

    static func parse(_ object: [String: JSONValue]) throws -> [SharedRoleChange] {
        for key in object.keys.sorted() where !["operation", "roles"].contains(key) {
            throw CJRError.invalid(key, "unknown field; accepted: operation, roles")
        }
        switch object["operation"] {
        case .string("updateRoles"): break
        case .string(let other): throw CJRError.invalid("operation", "'\(other)' is not an operation; the only one is 'updateRoles'")
        case nil, .null: throw CJRError.invalid("operation", "is required and must be 'updateRoles'")
        case let other?: throw CJRError.invalid("operation", "must be the string 'updateRoles', got \(other.typeName)")
        }
        guard case .array(let items)? = object["roles"] else {
            throw CJRError.invalid("roles", object["roles"] == nil ? "is required: an array of 1 to \(maxRoles) roles"
                                   : "must be an array of roles, got \(object["roles"]!.typeName)")
        }
        guard (1...maxRoles).contains(items.count) else {
            throw CJRError.invalid("roles", "must hold 1 to \(maxRoles) roles, got \(items.count)")
        }
        return try items.enumerated().map { index, item in try change(item, field: "roles[\(index)]") }
    }

    private static func change(_ item: JSONValue, field: String) throws -> SharedRoleChange {
        guard case .object(let fields) = item else { throw CJRError.invalid(field, "must be an object, got \(item.typeName)") }
        for key in fields.keys.sorted() where !["role", "shareRecipientType", "username", "id", "canShare"].contains(key) {
            throw CJRError.invalid("\(field).\(key)", "unknown field; accepted: role, shareRecipientType, username or id, canShare")
        }
        func text(_ key: String) throws -> String? {
            switch fields[key] {
            case nil, .null?: return nil
            case .string(let value)?: return value
            case let other?: throw CJRError.invalid("\(field).\(key)", "must be a string, got \(other.typeName)")
            }
        }
        guard let typeName = try text("shareRecipientType") else {
            throw CJRError.invalid("\(field).shareRecipientType", "is required: one of user, group, organization")
        }
        guard let type = ShareRecipientType(rawValue: typeName) else {
            throw CJRError.invalid("\(field).shareRecipientType", "'\(typeName)' is not one of user, group, organization")
        }
        guard let roleName = try text("role") else {
            throw CJRError.invalid("\(field).role", "is required: one of OWNER, USER, OBSERVER, NO_ROLE")
        }
        let role: JobRole?
        if roleName.uppercased() == "NO_ROLE" {
            role = nil
        } else if let known = JobRole(rawValue: roleName.uppercased()) {
            role = known
        } else {
            throw CJRError.invalid("\(field).role", "'\(roleName)' is not a role of custom jobs; one of OWNER, USER, OBSERVER, or NO_ROLE to remove access")
        }
        switch fields["canShare"] {
        case nil, .null?: break
        case .bool(let canShare)? where canShare == (role == .owner): break
        case .bool?:
            throw CJRError.invalid("\(field).canShare", "only an OWNER shares a custom job; leave canShare out (or null)")
        case let other?: throw CJRError.invalid("\(field).canShare", "must be a boolean or null, got \(other.typeName)")
        }
        switch (try text("username"), try text("id")) {
        case (let name?, nil): return SharedRoleChange(recipient: .name(name), recipientType: type, role: role)
        case (nil, let id?): return SharedRoleChange(recipient: .id(id), recipientType: type, role: role)
        case (_?, _?): throw CJRError.invalid(field, "give either username or id, not both")
        case (nil, nil): throw CJRError.invalid(field, "name the recipient by username or by id")
        }
    }
}
