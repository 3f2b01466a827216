import Foundation
import GRDB
import Testing
import CJRModel
@testable import CJRStore

@Suite("Migrations carry old stores over")
struct TeamMigrationTests {
    @Test("a single-admin store carries over: the admin owns every job and credential and started every run")
    func carriesOver() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cjr-v5-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        // The store as the release before teams left it: an admin, an orphan job (made by
        // `cjr run`, no owner), an owned job with a run, a credential.
        let old = try DatabaseQueue(path: DataDirectory(root: root).database.path)
        try Migrations.migrator(for: DataDirectory(root: root)).migrate(old, upTo: "v5: the protections a run got")
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
        #expect(try store.appliedMigrations().contains { $0.hasPrefix("v6:") })
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

    @Test("v7 moves each run's log chunks, in order, into its file and drops the chunk table")
    func logsToFiles() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cjr-v6-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let directory = DataDirectory(root: root)
        let old = try DatabaseQueue(path: directory.database.path)
        try Migrations.migrator(for: directory).migrate(old, upTo: "v6: teams: organizations, groups, job roles, owned credentials, who started a run")
        try await old.write { db in
            try db.execute(sql: """
                INSERT INTO job (id, name, description, jobType, environmentId, environmentVersionId, egressNetworkPolicy, created, updated)
                VALUES ('j00000000000000000000001', 'old', '', 'default', ?, ?, 'public', 1, 1)
                """, arguments: [ExecutionEnvironment.defaultID, ExecutionEnvironment.defaultVersionID])
            try db.execute(sql: """
                INSERT INTO run (id, jobId, statusId, description, status, entryPoint, environmentId, environmentVersionId,
                                 egressNetworkPolicy, parameterDefinitions, parameterValues, created, logBytes)
                VALUES ('r00000000000000000000001', 'j00000000000000000000001', 's1', '', 'succeeded', 'e', 'x', 'y', 'public', '[]', '{}', 1, 12)
                """)
            for (seq, text) in [(2, "third\n"), (0, "one\n"), (1, "two\n")] {
                try db.execute(sql: "INSERT INTO runLog (runId, seq, data) VALUES ('r00000000000000000000001', ?, ?)", arguments: [seq, Data(text.utf8)])
            }
        }
        try old.close()
        let store = try RunStore(directory: directory)
        let log = try String(contentsOf: directory.logFile(runId: "r00000000000000000000001"), encoding: .utf8)
        #expect(log == "one\ntwo\nthird\n")
        #expect(try await store.run(id: "r00000000000000000000001").logBytes == 14)
        let queue = try DatabaseQueue(path: directory.database.path)
        #expect(try await queue.read { try $0.tableExists("runLog") } == false)
    }
}
