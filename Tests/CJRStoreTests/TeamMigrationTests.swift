import Foundation
import GRDB
import Testing
import CJRModel
@testable import CJRStore

@Suite("Migration to teams (v6)")
struct TeamMigrationTests {
    @Test("a single-admin store carries over: the admin owns every job and credential and started every run")
    func carriesOver() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cjr-v5-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        // The store as the release before teams left it: an admin, an orphan job (made by
        // `cjr run`, no owner), an owned job with a run, a credential.
        let old = try DatabaseQueue(path: DataDirectory(root: root).database.path)
        try Migrations.migrator.migrate(old, upTo: "v5: the protections a run got")
        try await old.write { db in
            try db.execute(sql: "INSERT INTO user (id, username, created) VALUES ('a00000000000000000000000', 'admin', 1)")
            for (id, owner) in [("j00000000000000000000001", "a00000000000000000000000"), ("j00000000000000000000002", nil)] {
                try db.execute(sql: """
                    INSERT INTO job (id, name, description, jobType, environmentId, environmentVersionId, egressNetworkPolicy, ownerId, created, updated)
                    VALUES (?, 'old', '', 'default', ?, ?, 'public', ?, 1, 1)
                    """, arguments: [id, ExecutionEnvironment.defaultID, ExecutionEnvironment.defaultVersionID, owner])
            }
            try db.execute(sql: """
                INSERT INTO run (id, jobId, statusId, description, status, entryPoint, environmentId, environmentVersionId,
                                 egressNetworkPolicy, parameterDefinitions, parameterValues, created)
                VALUES ('r00000000000000000000001', 'j00000000000000000000002', 's1', '', 'succeeded', 'e', 'x', 'y', 'public', '[]', '{}', 1)
                """)
            try db.execute(sql: """
                INSERT INTO credential (id, name, credentialType, description, created, fieldNames, secret)
                VALUES ('c00000000000000000000001', 'db', 'basic', '', 1, '[]', x'00')
                """)
        }
        try old.close()

        let store = try RunStore(directory: DataDirectory(root: root))
        #expect(try store.appliedMigrations().last?.hasPrefix("v6:") == true)
        let admin = try store.adminUserId()
        #expect(admin == "a00000000000000000000000")
        #expect(try store.users().map(\.username) == ["admin"])
        #expect(try store.users()[0].isAdmin && store.users()[0].organization == "default")
        for job in ["j00000000000000000000001", "j00000000000000000000002"] {
            #expect(try await store.authorize(.delete, jobId: job, userId: admin) == .owner)
        }
        #expect(try await store.run(id: "r00000000000000000000001").startedBy == admin)
        #expect(try await store.credentials(ownerId: admin, page: PageRequest()).items.map(\.id) == ["c00000000000000000000001"])
        // The admin had no token yet: the bootstrap gives it its first one.
        #expect(try store.bootstrapAdmin() != nil)
        #expect(try store.bootstrapAdmin() == nil)
    }
}
