import Crypto
import Foundation
import GRDB
import CJRModel

/// Who a valid token belongs to.
public struct AuthenticatedUser: Sendable, Equatable {
    public var id: String
    public var username: String
    public var tokenId: String

    public init(id: String, username: String, tokenId: String) {
        self.id = id
        self.username = username
        self.tokenId = tokenId
    }
}

/// A token as `cjr tokens list` shows it; never its secret, which is stored only hashed.
public struct TokenInfo: Sendable, Equatable {
    public var id: String
    public var username: String
    public var name: String?
    /// `admin` (the token file's), `user` (made with `cjr tokens create`) or `run:<runId>`.
    public var purpose: String
    public var created: Timestamp
    public var expires: Timestamp?
    public var revoked: Timestamp?
}

extension RunStore {
    public static let adminUsername = "admin"

    /// On first start, creates the admin's first token and writes it to the 0600 token
    /// file. Returns the token when one was created, nil when the admin had one already.
    /// The file is written before the token is committed: a process killed in between
    /// leaves no token without its file (the next start makes both again).
    public func bootstrapAdmin() throws -> String? {
        let now = Timestamp.now().microseconds
        let secret = Self.makeSecret()
        let created: Bool = try database.write { db in
            let userId = try Self.adminId(db, now: now)
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM token WHERE userId = ? AND purpose = 'admin'", arguments: [userId]) == 0 else {
                return false
            }
            try Self.insertToken(db, userId: userId, secret: secret, purpose: "admin", now: now)
            try writeTokenFile(secret)
            return true
        }
        return created ? secret : nil
    }

    /// The admin user's id (the owner of jobs `cjr run` creates).
    public func adminUserId() throws -> String {
        try database.write { db in try Self.adminId(db, now: Timestamp.now().microseconds) }
    }

    /// The admin, created when missing (the migration to teams creates it; a data
    /// directory whose admin row was removed by hand gets a new one).
    private static func adminId(_ db: Database, now: Int64) throws -> String {
        if let id = try String.fetchOne(db, sql: "SELECT id FROM user WHERE username = ?", arguments: [adminUsername]) { return id }
        let id = ObjectID.make()
        try db.execute(sql: """
            INSERT INTO user (id, username, created, isAdmin, organizationId)
            VALUES (?, ?, ?, 1, (SELECT id FROM organization WHERE name = ?))
            """, arguments: [id, adminUsername, now, TeamMigration.defaultOrganization])
        return id
    }

    /// A new API token for `username`, valid for `lifetime` seconds (nil: until revoked).
    /// Returns it with the secret, which is shown once and stored only hashed.
    public func createToken(for username: String, name: String?, lifetime: Int64?) throws -> (token: TokenInfo, secret: String) {
        if let name, name.count > 100 { throw CJRError.invalid("name", "must be at most 100 characters") }
        let now = Timestamp.now().microseconds
        let secret = Self.makeSecret()
        return try database.write { db in
            let userId = try Self.userId(db, named: username)
            let id = try Self.insertToken(db, userId: userId, secret: secret, purpose: "user", now: now,
                                          expires: lifetime.map { now + $0 * 1_000_000 }, name: name)
            return (try Self.tokenInfos(db, where: "token.id = ?", [id])[0], secret)
        }
    }

    /// Tokens people use (run tokens are left out: they die with their run), newest first.
    public func tokens(of username: String? = nil, includeRevoked: Bool = false) throws -> [TokenInfo] {
        try database.read { db in
            var condition = "token.purpose NOT LIKE 'run:%'"
            var arguments: StatementArguments = []
            if let username {
                condition += " AND token.userId = ?"
                _ = arguments.append(contentsOf: [try Self.userId(db, named: username)])
            }
            if !includeRevoked { condition += " AND token.revoked IS NULL" }
            return try Self.tokenInfos(db, where: condition, arguments)
        }
    }

    /// Revokes a token by id (or a unique prefix of it): it stops working at the next request.
    public func revokeToken(id: String) throws -> TokenInfo {
        let now = Timestamp.now().microseconds
        return try database.write { db in
            let matches = try String.fetchAll(db, sql: "SELECT id FROM token WHERE id LIKE ? ESCAPE '\\' AND purpose NOT LIKE 'run:%'",
                                              arguments: [Self.escapeLike(id) + "%"])
            guard id.count >= 4, let tokenId = matches.first else {
                throw CJRError.notFound("No token with id '\(id)'; `cjr tokens list` shows them.")
            }
            guard matches.count == 1 else {
                throw CJRError(.invalidInput, "'\(id)' is the start of \(matches.count) token ids; give more of it.", field: "id")
            }
            try db.execute(sql: "UPDATE token SET revoked = COALESCE(revoked, ?) WHERE id = ?", arguments: [now, tokenId])
            return try Self.tokenInfos(db, where: "token.id = ?", [tokenId])[0]
        }
    }

    private static func tokenInfos(_ db: Database, where condition: String, _ arguments: StatementArguments) throws -> [TokenInfo] {
        try Row.fetchAll(db, sql: """
            SELECT token.id, token.name, token.purpose, token.created, token.expires, token.revoked, user.username
            FROM token JOIN user ON user.id = token.userId WHERE \(condition) ORDER BY token.created DESC, token.id
            """, arguments: arguments).map { row in
            TokenInfo(id: row["id"], username: row["username"], name: row["name"], purpose: row["purpose"],
                      created: Timestamp(microseconds: row["created"]),
                      expires: (row["expires"] as Int64?).map(Timestamp.init(microseconds:)),
                      revoked: (row["revoked"] as Int64?).map(Timestamp.init(microseconds:)))
        }
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

    /// The user a presented token belongs to, if the token is valid: known, not revoked,
    /// not expired, its user not disabled, and, for a run's token, its run not ended.
    public func authenticate(token: String) async throws -> AuthenticatedUser? {
        let now = Timestamp.now().microseconds
        return try await database.read { db in
            // Every request: compiled once per connection.
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT token.id AS tokenId, user.id AS userId, user.username AS username FROM token
                JOIN user ON user.id = token.userId WHERE token.secretHash = ? AND \(Self.validToken)
                """), arguments: [Self.hash(token), now]) else { return nil }
            return AuthenticatedUser(id: row["userId"], username: row["username"], tokenId: row["tokenId"])
        }
    }

    /// Whether a token that authenticated a request is still valid (a long response, such
    /// as a followed log, asks again as it goes).
    public func isValid(tokenId: String) async throws -> Bool {
        let now = Timestamp.now().microseconds
        return try await database.read { db in
            try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM token JOIN user ON user.id = token.userId WHERE token.id = ? AND \(Self.validToken)"),
                             arguments: [tokenId, now]) ?? 0 > 0
        }
    }

    /// The condition a valid token meets (`?`: now), on `token` joined with its `user`.
    private static let validToken = """
        token.revoked IS NULL AND (token.expires IS NULL OR token.expires > ?) AND user.disabled IS NULL
        AND (token.purpose NOT LIKE 'run:%'
             OR EXISTS (SELECT 1 FROM run WHERE run.id = substr(token.purpose, 5) AND run.\(RunPhaseSQL.unfinished)))
        """

    /// Deletes every run token whose run has ended (or is gone): those left by a server
    /// killed mid-run, and the revoked ones earlier versions kept. Runs not ended yet,
    /// executing or about to, keep theirs. Returns how many went.
    @discardableResult
    public func deleteStaleRunTokens() async throws -> Int {
        try await database.write { db in
            try db.execute(sql: """
                DELETE FROM token WHERE purpose LIKE 'run:%'
                  AND (revoked IS NOT NULL OR substr(purpose, 5) NOT IN (SELECT id FROM run WHERE \(RunPhaseSQL.unfinished)))
                """)
            return db.changesCount
        }
    }

    static func deleteRunToken(_ db: Database, runId: String) throws {
        try db.cachedStatement(sql: "DELETE FROM token WHERE purpose = ?").execute(arguments: ["run:\(runId)"])
    }

    /// The token in the token file, if there is one.
    public func readTokenFile() -> String? {
        (try? String(contentsOf: directory.tokenFile, encoding: .utf8))?.trimmed
    }

    @discardableResult
    static func insertToken(_ db: Database, userId: String, secret: String, purpose: String, now: Int64,
                            expires: Int64? = nil, name: String? = nil) throws -> String {
        let id = ObjectID.make()
        try db.cachedStatement(sql: """
            INSERT INTO token (id, userId, secretHash, purpose, created, expires, name) VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [id, userId, hash(secret), purpose, now, expires, name])
        return id
    }

    /// 32 random bytes as hex with a recognisable prefix (secret scanners and people alike).
    static func makeSecret() -> String {
        // Four 64-bit draws (a getrandom call each), not 32 one-byte ones.
        var generator = SystemRandomNumberGenerator()
        let words = (0..<4).map { _ in generator.next() }
        return "cjr_" + ObjectID.hex(words.flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } })
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
