import Foundation
import GRDB
import CJRModel

/// A user as the administrator's commands show it.
public struct UserAccount: Sendable, Equatable {
    public var id: String
    public var username: String
    public var organization: String
    public var groups: [String]
    public var isAdmin: Bool
    public var disabled: Timestamp?
    public var created: Timestamp
}

/// A group with its members' usernames.
public struct UserGroup: Sendable, Equatable {
    public var id: String
    public var name: String
    public var members: [String]
}

/// The administrator's side of identity: users, groups and organizations, changed on the
/// local data directory (no server needed; a running server sees the change at once).
extension RunStore {
    /// Adds a user to `organization` (the default one when nil) and `groups`; both are
    /// created when they do not exist yet. Returns the user and the names created.
    public func addUser(_ username: String, organization: String?, groups: [String], isAdmin: Bool = false) throws
        -> (user: UserAccount, created: [String]) {
        try Self.validateName(username, field: "username")
        for group in groups { try Self.validateName(group, field: "group") }
        if let organization { try Self.validateName(organization, field: "organization") }
        let now = Timestamp.now().microseconds
        return try database.write { db in
            if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM user WHERE username = ?", arguments: [username]) ?? 0 > 0 {
                throw CJRError(.conflict, "username: a user named '\(username)' already exists", field: "username")
            }
            var created: [String] = []
            let organizationId = try Self.organizationId(db, named: organization ?? TeamMigration.defaultOrganization, now: now, created: &created)
            let id = ObjectID.make()
            try db.execute(sql: "INSERT INTO user (id, username, created, organizationId, isAdmin) VALUES (?, ?, ?, ?, ?)",
                           arguments: [id, username, now, organizationId, isAdmin])
            for group in groups {
                let groupId = try Self.groupId(db, named: group, now: now, created: &created)
                try db.execute(sql: "INSERT OR IGNORE INTO groupMember (groupId, userId) VALUES (?, ?)", arguments: [groupId, id])
            }
            return (try Self.accounts(db, where: "user.id = ?", [id])[0], created)
        }
    }

    public func users() throws -> [UserAccount] {
        try database.read { db in try Self.accounts(db, where: "1", []) }
    }

    /// Disables (or enables again) a user: a disabled user's tokens, run tokens included,
    /// stop working at the next request; its jobs, runs and roles stay as they are.
    public func setUserDisabled(_ username: String, _ disabled: Bool) throws -> UserAccount {
        let now = Timestamp.now().microseconds
        return try database.write { db in
            let id = try Self.userId(db, named: username)
            try db.execute(sql: "UPDATE user SET disabled = ? WHERE id = ?", arguments: [disabled ? now : nil, id])
            return try Self.accounts(db, where: "user.id = ?", [id])[0]
        }
    }

    /// Moves a user to another organization (created when it does not exist).
    public func setOrganization(of username: String, to organization: String) throws -> (user: UserAccount, created: [String]) {
        try Self.validateName(organization, field: "organization")
        let now = Timestamp.now().microseconds
        return try database.write { db in
            let id = try Self.userId(db, named: username)
            var created: [String] = []
            let organizationId = try Self.organizationId(db, named: organization, now: now, created: &created)
            try db.execute(sql: "UPDATE user SET organizationId = ? WHERE id = ?", arguments: [organizationId, id])
            return (try Self.accounts(db, where: "user.id = ?", [id])[0], created)
        }
    }

    // MARK: Groups

    public func createGroup(_ name: String) throws -> UserGroup {
        try Self.validateName(name, field: "group")
        let now = Timestamp.now().microseconds
        return try database.write { db in
            if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM userGroup WHERE name = ?", arguments: [name]) ?? 0 > 0 {
                throw CJRError(.conflict, "group: a group named '\(name)' already exists", field: "group")
            }
            var created: [String] = []
            let id = try Self.groupId(db, named: name, now: now, created: &created)
            return UserGroup(id: id, name: name, members: [])
        }
    }

    public func groups() throws -> [UserGroup] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT userGroup.id, userGroup.name,
                       (SELECT json_group_array(username) FROM (SELECT user.username FROM groupMember
                            JOIN user ON user.id = groupMember.userId WHERE groupMember.groupId = userGroup.id ORDER BY user.username)) AS members
                FROM userGroup ORDER BY name
                """).map { row in
                UserGroup(id: row["id"], name: row["name"], members: try decodeStoredJSON([String].self, row["members"]))
            }
        }
    }

    /// Adds (or removes) a user to (from) a group.
    public func setMembership(group: String, username: String, member: Bool) throws {
        try database.write { db in
            guard let groupId = try String.fetchOne(db, sql: "SELECT id FROM userGroup WHERE name = ?", arguments: [group]) else {
                throw CJRError.notFound("No group named '\(group)'; `cjr groups list` shows them.")
            }
            let userId = try Self.userId(db, named: username)
            if member {
                try db.execute(sql: "INSERT OR IGNORE INTO groupMember (groupId, userId) VALUES (?, ?)", arguments: [groupId, userId])
            } else {
                try db.execute(sql: "DELETE FROM groupMember WHERE groupId = ? AND userId = ?", arguments: [groupId, userId])
                if db.changesCount == 0 { throw CJRError.notFound("'\(username)' is not a member of '\(group)'.") }
            }
        }
    }

    /// Deletes a group: its members lose what it gave them (its roles on jobs go with it).
    public func deleteGroup(_ name: String) throws {
        try database.write { db in
            guard let groupId = try String.fetchOne(db, sql: "SELECT id FROM userGroup WHERE name = ?", arguments: [name]) else {
                throw CJRError.notFound("No group named '\(name)'; `cjr groups list` shows them.")
            }
            try db.execute(sql: "DELETE FROM jobRole WHERE recipientType = 'group' AND recipientId = ?", arguments: [groupId])
            try db.execute(sql: "DELETE FROM userGroup WHERE id = ?", arguments: [groupId])
        }
    }

    /// Names of the organizations, each with how many users it has.
    public func organizations() throws -> [(name: String, users: Int)] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT name, (SELECT COUNT(*) FROM user WHERE organizationId = organization.id) AS users FROM organization ORDER BY name
                """).map { ($0["name"], $0["users"]) }
        }
    }

    // MARK: Helpers

    /// Names of users, groups and organizations: 1–100 characters, no spaces or control
    /// characters (an email address is a fine username).
    static func validateName(_ name: String, field: String) throws {
        guard !name.isEmpty, name.count <= 100 else { throw CJRError.invalid(field, "must be 1 to 100 characters, got \(name.count)") }
        if let bad = name.unicodeScalars.first(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) {
            throw CJRError.invalid(field, "'\(name)' contains \(bad.properties.isWhitespace ? "a space" : "a control character"); names are single words")
        }
    }

    static func userId(_ db: Database, named username: String) throws -> String {
        guard let id = try String.fetchOne(db, sql: "SELECT id FROM user WHERE username = ?", arguments: [username]) else {
            throw CJRError.notFound("No user named '\(username)'; `cjr users list` shows them.")
        }
        return id
    }

    private static func organizationId(_ db: Database, named name: String, now: Int64, created: inout [String]) throws -> String {
        try id(db, table: "organization", kind: "organization", named: name, now: now, created: &created)
    }

    private static func groupId(_ db: Database, named name: String, now: Int64, created: inout [String]) throws -> String {
        try id(db, table: "userGroup", kind: "group", named: name, now: now, created: &created)
    }

    /// The id of the row of `table` with this name, made (and noted in `created`) when missing.
    private static func id(_ db: Database, table: String, kind: String, named name: String, now: Int64, created: inout [String]) throws -> String {
        if let id = try String.fetchOne(db, sql: "SELECT id FROM \(table) WHERE name = ?", arguments: [name]) { return id }
        let id = ObjectID.make()
        try db.execute(sql: "INSERT INTO \(table) (id, name, created) VALUES (?, ?, ?)", arguments: [id, name, now])
        created.append("\(kind) \(name)")
        return id
    }

    private static func accounts(_ db: Database, where condition: String, _ arguments: StatementArguments) throws -> [UserAccount] {
        try Row.fetchAll(db, sql: """
            SELECT user.id, user.username, user.isAdmin, user.disabled, user.created, organization.name AS organization,
                   (SELECT json_group_array(name) FROM (SELECT userGroup.name FROM groupMember
                        JOIN userGroup ON userGroup.id = groupMember.groupId WHERE groupMember.userId = user.id ORDER BY userGroup.name)) AS groups
            FROM user LEFT JOIN organization ON organization.id = user.organizationId
            WHERE \(condition) ORDER BY user.created, user.username
            """, arguments: arguments).map { row in
            UserAccount(id: row["id"], username: row["username"], organization: row["organization"] ?? "",
                        groups: try decodeStoredJSON([String].self, row["groups"]), isAdmin: row["isAdmin"],
                        disabled: (row["disabled"] as Int64?).map(Timestamp.init(microseconds:)),
                        created: Timestamp(microseconds: row["created"]))
        }
    }
}
