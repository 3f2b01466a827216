import ArgumentParser
import Foundation
import CJRModel
import CJRStore

/// `cjr tokens create|list|revoke`: API tokens of the data directory's users.
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Create, list and revoke users' API tokens.",
        subcommands: [List.self, Create.self, Revoke.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List tokens (never their secrets), newest first.")
        @OptionGroup var dataDirectory: DataDirectoryOption
        @Option(name: .customLong("user"), help: "Only this user's tokens.") var username: String?
        @Flag(help: "Include revoked tokens.") var all = false
        @OptionGroup var output: JSONOutputOption

        struct Item: Encodable {
            var id, username, purpose, created, state: String
            var name, expires, revoked: String?
        }

        func run() async throws {
            var table = TextTable("ID", "USER", "NAME", "CREATED", "EXPIRES", "STATE")
            var items: [Item] = []
            let now = Timestamp.now()
            for token in try RunStore(directory: dataDirectory.directory).tokens(of: username, includeRevoked: all) {
                let state = if token.revoked != nil { "revoked" }
                    else if let expires = token.expires, expires.microseconds <= now.microseconds { "expired" }
                    else { "valid" }
                items.append(Item(id: token.id, username: token.username, purpose: token.purpose, created: token.created.iso8601, state: state,
                                  name: token.name, expires: token.expires?.iso8601, revoked: token.revoked?.iso8601))
                table.add(token.id, token.username, token.name ?? (token.purpose == "admin" ? "(token file)" : "-"),
                          shortTime(token.created.iso8601), token.expires.map { shortTime($0.iso8601) } ?? "never", state)
            }
            if output.json { return try output.print(items) }
            print(table.rendered)
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create a token and print it; it is shown this once (only its hash is stored).")
        @OptionGroup var dataDirectory: DataDirectoryOption
        @Option(name: .customLong("user"), help: "Whose token (default: admin).") var username = RunStore.adminUsername
        @Option(help: "When it expires: a duration such as 90m, 12h, 30d or 1y (default: never).") var expires: String?
        @Option(help: "A label to recognise it by in `cjr tokens list`.") var name: String?

        func run() async throws {
            let lifetime = try expires.map(Self.seconds(of:))
            let (token, secret) = try RunStore(directory: dataDirectory.directory)
                .createToken(for: username, name: name, lifetime: lifetime)
            print(secret)
            let until = token.expires.map { "until \(shortTime($0.iso8601)) UTC" } ?? "until revoked"
            try? FileHandle.standardError.write(contentsOf: Data(
                "token \(token.id) for \(token.username), valid \(until); it is not shown again\n".utf8))
        }

        /// `30d` → seconds. Units: s, m, h, d, w, y.
        static func seconds(of text: String) throws -> Int64 {
            let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800, "y": 31_536_000]
            guard let unit = text.last, let factor = units[unit], let count = Int64(text.dropLast()), count > 0,
                  count <= Int64.max / 1_000_000 / factor else {
                throw ValidationError("--expires must be a positive whole number and a unit (s, m, h, d, w, y), e.g. 30d; got '\(text)'")
            }
            return count * factor
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token: it is refused from the next request on.")
        @OptionGroup var dataDirectory: DataDirectoryOption
        @Argument(help: "Token id (or a unique start of it, at least 4 characters).") var id: String

        func run() async throws {
            let token = try RunStore(directory: dataDirectory.directory).revokeToken(id: id)
            print("revoked token \(token.id) of \(token.username)")
        }
    }
}
