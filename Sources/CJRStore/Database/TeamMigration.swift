import GRDB
import CJRModel

/// Migration v6: from one admin to a team. Users get an organization (one each), groups
/// (any number), a disabled mark and an admin flag; jobs get an access list (`jobRole`);
/// credentials an owner; runs the user who started them. Everything that existed belongs
/// to `admin` afterwards, created here when missing (its token comes from the bootstrap).
enum TeamMigration {
    static let defaultOrganization = "default"

    static func apply(_ db: Database) throws {
        let now = Timestamp.now().microseconds
        try db.create(table: "organization") { table in
            table.primaryKey("id", .text)
            table.column("name", .text).notNull().unique()
            table.column("created", .integer).notNull()
        }
        let organizationId = ObjectID.make()
        try db.execute(sql: "INSERT INTO organization (id, name, created) VALUES (?, ?, ?)",
                       arguments: [organizationId, defaultOrganization, now])
        try db.alter(table: "user") { table in
            table.add(column: "organizationId", .text).references("organization")
            table.add(column: "isAdmin", .boolean).notNull().defaults(to: false)
            table.add(column: "disabled", .integer)
        }
        if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM user WHERE username = ?", arguments: [RunStore.adminUsername]) == 0 {
            try db.execute(sql: "INSERT INTO user (id, username, created) VALUES (?, ?, ?)",
                           arguments: [ObjectID.make(), RunStore.adminUsername, now])
        }
        try db.execute(sql: "UPDATE user SET organizationId = ?", arguments: [organizationId])
        try db.execute(sql: "UPDATE user SET isAdmin = 1 WHERE username = ?", arguments: [RunStore.adminUsername])
        let admin = try String.fetchOne(db, sql: "SELECT id FROM user WHERE username = ?", arguments: [RunStore.adminUsername])

        try db.create(table: "userGroup") { table in
            table.primaryKey("id", .text)
            table.column("name", .text).notNull().unique()
            table.column("created", .integer).notNull()
        }
        try db.create(table: "groupMember") { table in
            table.column("groupId", .text).notNull().references("userGroup", onDelete: .cascade)
            table.column("userId", .text).notNull().references("user", onDelete: .cascade)
            table.primaryKey(["groupId", "userId"])
        }
        try db.create(index: "groupMember_by_user", on: "groupMember", columns: ["userId"])

        try db.alter(table: "token") { table in
            table.add(column: "name", .text)
        }
        // Run tokens are revoked by purpose at every run's end.
        try db.create(index: "token_by_purpose", on: "token", columns: ["purpose"])

        try db.create(table: "jobRole") { table in
            table.column("jobId", .text).notNull().references("job", column: "id", onDelete: .cascade)
            table.column("recipientType", .text).notNull()
            table.column("recipientId", .text).notNull()
            table.column("role", .text).notNull()
            table.column("granted", .integer).notNull()
            table.primaryKey(["jobId", "recipientType", "recipientId"])
        }
        try db.create(index: "jobRole_by_recipient", on: "jobRole", columns: ["recipientType", "recipientId", "jobId"])
        try db.execute(sql: "UPDATE job SET ownerId = ? WHERE ownerId IS NULL", arguments: [admin])
        try db.execute(sql: """
            INSERT INTO jobRole (jobId, recipientType, recipientId, role, granted)
            SELECT id, 'user', ownerId, 'OWNER', created FROM job
            """)

        try db.alter(table: "run") { table in
            table.add(column: "userId", .text)
        }
        try db.execute(sql: "UPDATE run SET userId = (SELECT ownerId FROM job WHERE job.id = run.jobId)")
        try db.create(index: "run_by_user", on: "run", columns: ["userId", "started"])

        // Credential names become unique per owner: SQLite rebuilds the table for that.
        try db.create(table: "ownedCredential") { table in
            table.primaryKey("id", .text)
            table.column("ownerId", .text).notNull().references("user", onDelete: .cascade)
            table.column("name", .text).notNull()
            table.column("credentialType", .text).notNull()
            table.column("description", .text).notNull()
            table.column("created", .integer).notNull()
            table.column("fieldNames", .text).notNull()
            table.column("secret", .blob).notNull()
            table.uniqueKey(["ownerId", "name"])
        }
        try db.execute(sql: """
            INSERT INTO ownedCredential (id, ownerId, name, credentialType, description, created, fieldNames, secret)
            SELECT id, ?, name, credentialType, description, created, fieldNames, secret FROM credential
            """, arguments: [admin])
        try db.drop(table: "credential")
        try db.rename(table: "ownedCredential", to: "credential")
    }
}
