import Foundation
import GRDB
import CJRModel

/// Filters of `GET …/sharedRoles/`.
public struct SharedRoleFilter: Sendable, Equatable {
    public var id: String?
    public var name: String?
    public var recipientType: ShareRecipientType?

    public init(id: String? = nil, name: String? = nil, recipientType: ShareRecipientType? = nil) {
        self.id = id
        self.name = name
        self.recipientType = recipientType
    }
}

/// Who reads a job's resources and what they need to be allowed: checked in the read's own
/// transaction, as ``RunStore/authorize(_:jobId:userId:deleted:)`` would check it (404 for
/// no role, 403 for too weak a role), and one trip to the database instead of two.
public struct JobAccess: Sendable {
    public let userId: String
    public let permission: JobPermission

    public init(userId: String, permission: JobPermission) {
        self.userId = userId
        self.permission = permission
    }
}

/// Who may do what to a job: its access list (`jobRole`: a user, group or organization
/// and a role), and the checks every job endpoint makes against it.
enum AccessSQL {
    /// The `jobRole` rows that reach user `?`: given to them, to a group of theirs, or to
    /// their organization. Takes the user id three times.
    static let reachesUser = """
        ((jobRole.recipientType = 'user' AND jobRole.recipientId = ?)
         OR (jobRole.recipientType = 'group' AND jobRole.recipientId IN (SELECT groupId FROM groupMember WHERE userId = ?))
         OR (jobRole.recipientType = 'organization' AND jobRole.recipientId = (SELECT organizationId FROM user WHERE id = ?)))
        """

    /// A condition on `job` rows: jobs user `?` has any role on (the user id three times).
    /// Correlated, so each candidate row costs a few primary-key lookups whatever the
    /// number of roles the user holds (an IN list would be built in full for every query).
    static let visibleJob = "EXISTS (SELECT 1 FROM jobRole WHERE jobRole.jobId = job.id AND \(reachesUser))"

    static func arguments(_ userId: String) -> StatementArguments { [userId, userId, userId] }

    /// The strongest role `userId` has on `jobId`, through any path.
    static func role(_ db: Database, userId: String, jobId: String) throws -> JobRole? {
        try String.fetchAll(db.cachedStatement(sql: "SELECT role FROM jobRole WHERE jobRole.jobId = ? AND \(reachesUser)"),
                            arguments: [jobId] + arguments(userId))
            .compactMap(JobRole.init(rawValue:)).max()
    }
}

extension RunStore {
    /// Checks `access`, if any, in `db`'s transaction (see ``JobAccess``), on the live job
    /// `jobId`, before anything else is looked up: a stranger's request for a run or file
    /// that does not exist is worded as for a job that does not exist.
    static func check(_ db: Database, _ access: JobAccess?, jobId: String) throws {
        if let access { try authorize(db, access.permission, jobId: jobId, userId: access.userId) }
    }

    /// Checks that `userId` may do `permission` on job `jobId` and returns their role. A
    /// job they have no role on is a 404 worded as for a job that does not exist (nothing
    /// says it does); a role too weak is a 403 naming the role needed. `deleted` looks at
    /// soft-deleted jobs instead of live ones (nil: at either).
    ///
    /// Routes call this before reading a body (so that a stranger's malformed request is a
    /// 404 too, not a 422 that tells the job exists); store writes check again inside
    /// their transaction (`by:`), so a role removed meanwhile is never acted on.
    @discardableResult
    public func authorize(_ permission: JobPermission, jobId: String, userId: String, deleted: Bool? = false) async throws -> JobRole {
        try await database.read { db in try Self.authorize(db, permission, jobId: jobId, userId: userId, deleted: deleted) }
    }

    @discardableResult
    static func authorize(_ db: Database, _ permission: JobPermission, jobId: String, userId: String, deleted: Bool? = false) throws -> JobRole {
        let state = switch deleted {
        case false?: " AND deleted IS NULL"
        case true?: " AND deleted IS NOT NULL"
        case nil: ""
        }
        let exists = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM job WHERE id = ?\(state)"), arguments: [jobId]) ?? 0 > 0
        guard exists, let role = try AccessSQL.role(db, userId: userId, jobId: jobId) else {
            throw CJRError.notFound("Custom job \(jobId) not found.")
        }
        guard role.allows(permission) else {
            let verb = switch permission {
            case .read: "read it"
            case .use: "run it or change it"
            case .share: "change who has access"
            case .delete: "delete it"
            }
            throw CJRError(.forbidden, "Your role on custom job \(jobId) is \(role.rawValue); to \(verb) you need \(permission.minimumRole.rawValue)"
                           + (permission.minimumRole == .owner ? "." : " or OWNER."))
        }
        return role
    }

    /// A job's access list (`GET …/sharedRoles/`), the creator's entry first.
    public func sharedRoles(jobId: String, filter: SharedRoleFilter, page: PageRequest, checking access: JobAccess? = nil) async throws -> Page<SharedRole> {
        try await database.read { db in
            try Self.check(db, access, jobId: jobId)
            var conditions = ["jobId = ?"]
            var arguments: StatementArguments = [jobId]
            if let id = filter.id { conditions.append("recipientId = ?"); _ = arguments.append(contentsOf: [id]) }
            if let name = filter.name { conditions.append("name = ?"); _ = arguments.append(contentsOf: [name]) }
            if let type = filter.recipientType { conditions.append("recipientType = ?"); _ = arguments.append(contentsOf: [type.rawValue]) }
            let entries = """
                SELECT jobRole.*, CASE jobRole.recipientType
                    WHEN 'user' THEN (SELECT username FROM user WHERE id = jobRole.recipientId)
                    WHEN 'group' THEN (SELECT name FROM userGroup WHERE id = jobRole.recipientId)
                    ELSE (SELECT name FROM organization WHERE id = jobRole.recipientId) END AS name,
                    (jobRole.recipientType = 'user' AND jobRole.recipientId = (SELECT ownerId FROM job WHERE job.id = jobRole.jobId)) AS isCreator
                FROM jobRole
                """
            let matching = "SELECT * FROM (\(entries)) WHERE \(conditions.joined(separator: " AND "))"
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (\(matching))", arguments: arguments) ?? 0
            let rows = try Row.fetchAll(db, sql: "\(matching) ORDER BY isCreator DESC, granted, recipientType, name LIMIT ? OFFSET ?",
                                        arguments: arguments + [page.limit, page.offset])
            let items = rows.compactMap { row -> SharedRole? in
                guard let role = JobRole(rawValue: row["role"]), let type = ShareRecipientType(rawValue: row["recipientType"]) else { return nil }
                return SharedRole(id: row["recipientId"], name: row["name"] ?? "", role: role, recipientType: type)
            }
            return Page(items: items, totalCount: total, request: page)
        }
    }

    /// Applies `PATCH …/sharedRoles/` by `userId` (an OWNER) in one transaction: every
    /// recipient must exist (422 naming the item), each may appear once, and at least one
    /// enabled user must stay OWNER (409); otherwise nothing changes.
    public func updateSharedRoles(jobId: String, _ changes: [SharedRoleChange], by userId: String) async throws {
        let now = Timestamp.now().microseconds
        try await database.write { db in
            try Self.authorize(db, .share, jobId: jobId, userId: userId)
            var seen: [String: Int] = [:]
            for (index, change) in changes.enumerated() {
                let field = "roles[\(index)]"
                let recipientId = try Self.recipientId(db, change, field: field)
                let key = "\(change.recipientType.rawValue):\(recipientId)"
                if let first = seen[key] {
                    throw CJRError.invalid(field, "names the same \(change.recipientType.rawValue) as roles[\(first)]; give each recipient once")
                }
                seen[key] = index
                if let role = change.role {
                    try db.execute(sql: """
                        INSERT INTO jobRole (jobId, recipientType, recipientId, role, granted) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (jobId, recipientType, recipientId) DO UPDATE SET role = excluded.role
                        """, arguments: [jobId, change.recipientType.rawValue, recipientId, role.rawValue, now])
                } else {
                    try db.execute(sql: "DELETE FROM jobRole WHERE jobId = ? AND recipientType = ? AND recipientId = ?",
                                   arguments: [jobId, change.recipientType.rawValue, recipientId])
                }
            }
            let owners = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM jobRole JOIN user ON user.id = jobRole.recipientId
                WHERE jobRole.jobId = ? AND jobRole.recipientType = 'user' AND jobRole.role = 'OWNER' AND user.disabled IS NULL
                """, arguments: [jobId]) ?? 0
            if owners == 0 {
                throw CJRError(.conflict, "roles: this change would leave custom job \(jobId) without an owner; "
                               + "make another user OWNER in the same request to hand it over", field: "roles")
            }
        }
    }

    /// The id of the user, group or organization a change names (422 when there is none).
    private static func recipientId(_ db: Database, _ change: SharedRoleChange, field: String) throws -> String {
        let (table, nameColumn) = switch change.recipientType {
        case .user: ("user", "username")
        case .group: ("userGroup", "name")
        case .organization: ("organization", "name")
        }
        switch change.recipient {
        case .id(let id):
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE id = ?", arguments: [id]) ?? 0 > 0 else {
                throw CJRError.invalid(field, "no \(change.recipientType.rawValue) with id '\(id)' exists")
            }
            return id
        case .name(let name):
            guard let id = try String.fetchOne(db, sql: "SELECT id FROM \(table) WHERE \(nameColumn) = ?", arguments: [name]) else {
                throw CJRError.invalid(field, "no \(change.recipientType.rawValue) named '\(name)' exists")
            }
            return id
        }
    }
}
