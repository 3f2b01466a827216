import ArgumentParser
import Foundation
import CJRClient
import CJRModel
import CJRParameters

/// `cjr credentials add|list|delete`: the server's credential store, for `credential`
/// runtime parameters. Secret values are read from stdin (or asked for, without echo, at a
/// terminal), not taken from the command line, unless given there on purpose.
struct CredentialsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credentials",
        abstract: "Add, list and delete your credentials (for credential runtime parameters).",
        subcommands: [List.self, Add.self, Delete.self],
        defaultSubcommand: List.self
    )

    struct Row: Decodable, Sendable {
        var credentialId: String
        var name: String
        var credentialType: String
        var created: String?
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List your credentials (never their values).")
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await withClientErrors {
                let (items, pages) = try await client.client().all("credentials/", as: Row.self)
                if client.json { print(Data.mergedPages(pages).prettyJSON); return }
                var table = TextTable("ID", "NAME", "TYPE", "CREATED")
                for item in items { table.add(item.credentialId, item.name, item.credentialType, shortTime(item.created)) }
                print(table.rendered)
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a credential.",
            discussion: """
                Each field is --field NAME=VALUE; NAME=- (or a field left out) is read from stdin, one line per field \
                in the order of the type's fields, or asked for without echo at a terminal: secrets stay out of \
                the shell's history and the process list. Example: cjr credentials add warehouse --type basic --field user=alice
                """)
        @Argument(help: "The credential's name (unique among yours; --param NAME=<this name> uses it).") var name: String
        @Option(name: .customLong("type"), help: "The credential type: basic, s3, apiToken, bearer, …") var type: String
        @Option(name: .customLong("field"), help: "NAME=VALUE, or NAME=- to read the value (repeatable).") var fields: [String] = []
        @Option(help: "A description.") var description: String?
        @OptionGroup var client: ClientOptions

        func run() async throws {
            guard let credentialType = CredentialType(rawValue: type) else {
                throw ValidationError("--type: '\(type)' is not one of \(CredentialType.allCases.map(\.rawValue).joined(separator: ", "))"
                    + Suggestion.phrase(for: type, among: CredentialType.allCases.map(\.rawValue)))
            }
            let spec = CredentialFields.spec(for: credentialType)
            var given: [String: String] = [:]
            for field in fields {
                guard let equals = field.firstIndex(of: "=") else { throw ValidationError("--field: '\(field)' must be NAME=VALUE or NAME=-") }
                let key = String(field[..<equals])
                guard spec.all.contains(key) else {
                    throw ValidationError("--field: '\(key)' is not a field of a \(type) credential (fields: \(spec.all.joined(separator: ", ")))"
                        + Suggestion.phrase(for: key, among: spec.all))
                }
                given[key] = String(field[field.index(after: equals)...])
            }
            var values: [String: String] = [:]
            for key in spec.all {
                if let value = given[key], value != "-" { values[key] = value; continue }
                guard given[key] != nil || spec.required.contains(key) else { continue }
                values[key] = try Self.read(key)
            }
            var body: [String: String] = values
            body["name"] = name
            body["credentialType"] = type
            if let description { body["description"] = description }
            try await withClientErrors {
                let data = try await client.client().json(.post, "credentials/", body: body)
                if client.json { print(data.prettyJSON); return }
                let created = try data.decoded(as: Row.self)
                print("added credential \(created.credentialId) (\(created.name), \(created.credentialType))")
            }
        }

        /// One line of stdin, or a prompt without echo at a terminal.
        static func read(_ field: String) throws -> String {
            if isatty(STDIN_FILENO) != 0 {
                guard let typed = getpass("\(field): ") else { throw ValidationError("no value for \(field)") }
                return String(cString: typed)
            }
            guard let line = Swift.readLine(strippingNewline: true) else {
                throw ValidationError("no value for \(field) on stdin (give --field \(field)=VALUE, or one line per field)")
            }
            return line
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete one of your credentials, by ID or name.")
        @Argument(help: "The credential's ID or name.") var credential: String
        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await withClientErrors {
                let api = try client.client()
                let id = try await CredentialNames.resolve(credential, api: api)
                _ = try await api.json(.delete, "credentials/\(id)/")
                if !client.json { print("deleted credential \(id)") }
            }
        }
    }
}

/// A credential named by ID or by name (its owner's names are unique).
enum CredentialNames {
    static func resolve(_ reference: String, api: ServerClient) async throws -> String {
        if reference.count == 24, reference.allSatisfy(\.isHexDigit) { return reference }
        let (items, _) = try await api.all("credentials/", as: CredentialsCommand.Row.self)
        guard let match = items.first(where: { $0.name == reference }) else {
            throw ClientError("no credential named '\(reference)' among yours" + Suggestion.phrase(for: reference, among: items.map(\.name)))
        }
        return match.credentialId
    }
}
