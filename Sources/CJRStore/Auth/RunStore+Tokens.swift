import Crypto
import Foundation
import GRDB
import CJRModel

/// Who a valid token belongs to.
public struct AuthenticatedUser: Sendable, Equatable {
    public var id: String
    public var username: String
    public var tokenId: String
}

extension RunStore {
    public static let adminUsername = "admin"

    /// On first start, creates the local admin user and its token, and writes the token to
    /// the 0600 token file. Returns the token when one was created, nil when users exist.
    /// The file is written before the user is committed: a process killed in between
    /// leaves no admin without its token file (the next start makes both again).
    public func bootstrapAdmin() throws -> String? {
        let now = Timestamp.now().microseconds
        let secret = Self.makeSecret()
        let created: Bool = try database.write { db in
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM user") == 0 else { return false }
            let userId = ObjectID.make()
            try db.execute(sql: "INSERT INTO user (id, username, created) VALUES (?, ?, ?)",
                           arguments: [userId, Self.adminUsername, now])
            try Self.insertToken(db, userId: userId, secret: secret, purpose: "admin", now: now)
            try writeTokenFile(secret)
            return true
        }
        return created ? secret : nil
    }

    /// Revokes every admin token and issues a new one (written to the token file).
    public func rotateAdminToken() throws -> String {
        let now = Timestamp.now().microseconds
        let secret = Self.makeSecret()
        try database.write { db in
            guard let userId = try String.fetchOne(db, sql: "SELECT id FROM user WHERE username = ?", arguments: [Self.adminUsername]) else {
                throw CJRError.notFound("No admin user; start `cjr serve` once first.")
            }
            try db.execute(sql: "UPDATE token SET revoked = ? WHERE userId = ? AND purpose = 'admin' AND revoked IS NULL",
                           arguments: [now, userId])
            try Self.insertToken(db, userId: userId, secret: secret, purpose: "admin", now: now)
        }
        try writeTokenFile(secret)
        return secret
    }

    /// The user a presented token belongs to, if the token is known, not revoked and not expired.
    public func authenticate(token: String) async throws -> AuthenticatedUser? {
        let hash = Self.hash(token)
        let now = Timestamp.now().microseconds
        return try await database.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT token.id AS tokenId, user.id AS userId, user.username AS username FROM token
                JOIN user ON user.id = token.userId
                WHERE token.secretHash = ? AND token.revoked IS NULL AND (token.expires IS NULL OR token.expires > ?)
                """, arguments: [hash, now]) else { return nil }
            return AuthenticatedUser(id: row["userId"], username: row["username"], tokenId: row["tokenId"])
        }
    }

    /// A token for one run's `DATAROBOT_API_TOKEN`: it acts as the job's owner (the admin
    /// when the owner is gone), expires after `lifetime` seconds and is revoked when the run
    /// ends (``revokeRunToken(runId:)``).
    public func issueRunToken(runId: String, lifetime: Int) async throws -> String {
        let now = Timestamp.now().microseconds
        let secret = Self.makeSecret()
        try await database.write { db in
            let owner = try String.fetchOne(db, sql: """
                SELECT COALESCE(job.ownerId, (SELECT id FROM user WHERE username = ?)) FROM run JOIN job ON job.id = run.jobId WHERE run.id = ?
                """, arguments: [Self.adminUsername, runId])
            guard let owner else { throw CJRError.notFound("Run \(runId) has no owner to act as.") }
            try Self.insertToken(db, userId: owner, secret: secret, purpose: "run:\(runId)", now: now,
                                 expires: now + Int64(lifetime) * 1_000_000)
        }
        return secret
    }

    public func revokeRunToken(runId: String) async throws {
        let now = Timestamp.now().microseconds
        try await database.write { db in
            try db.execute(sql: "UPDATE token SET revoked = ? WHERE purpose = ? AND revoked IS NULL", arguments: [now, "run:\(runId)"])
        }
    }

    /// Revokes every run token whose run has ended (or is gone): those of runs that ended
    /// while no one could revoke them (a server killed mid-run, its runs marked
    /// `interrupted`). Runs not ended yet, executing or about to, keep theirs. Returns how
    /// many went.
    @discardableResult
    public func revokeStaleRunTokens() async throws -> Int {
        let now = Timestamp.now().microseconds
        return try await database.write { db in
            try db.execute(sql: """
                UPDATE token SET revoked = ?
                WHERE revoked IS NULL AND purpose LIKE 'run:%'
                  AND substr(purpose, 5) NOT IN (SELECT id FROM run WHERE \(RunPhaseSQL.unfinished))
                """, arguments: [now])
            return db.changesCount
        }
    }

    /// The token in the token file, if there is one.
    public func readTokenFile() -> String? {
        (try? String(contentsOf: directory.tokenFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func insertToken(_ db: Database, userId: String, secret: String, purpose: String, now: Int64, expires: Int64? = nil) throws {
        try db.execute(sql: """
            INSERT INTO token (id, userId, secretHash, purpose, created, expires) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [ObjectID.make(), userId, hash(secret), purpose, now, expires])
    }

    /// 32 random bytes as hex with a recognisable prefix (secret scanners and people alike).
    static func makeSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return "cjr_" + ObjectID.hex((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// Tokens are 256-bit random secrets, so a plain SHA-256 is a safe verifier.
    static func hash(_ secret: String) -> String {
        ObjectID.hex(SHA256.hash(data: Data(secret.utf8)))
    }

    private func writeTokenFile(_ secret: String) throws {
        let path = directory.tokenFile.path
        let staged = path + ".new"
        let descriptor = open(staged, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw POSIXFailure(operation: "create \(staged)") }
        defer { close(descriptor) }
        fchmod(descriptor, 0o600)
        let line = Array((secret + "\n").utf8)
        guard Foundation.write(descriptor, line, line.count) == line.count else { throw POSIXFailure(operation: "write \(staged)") }
        guard fsync(descriptor) == 0, rename(staged, path) == 0 else { throw POSIXFailure(operation: "store \(path)") }
    }
}
