import ArgumentParser
import Foundation
import CJRModel
import CJRStore

/// `cjr users add|list|disable|enable|move`: the team's users, changed on the data
/// directory (no server needed; a running server sees changes at its next request).
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Manage the users of a data directory (a team's cjr).",
        subcommands: [List.self, Add.self, Disable.self, Enable.self, Move.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List users with their organization and groups.")
        @OptionGroup var dataDirectory: DataDirectoryOption
        @OptionGroup var output: JSONOutputOption

        struct Item: Encodable {
            var id, username, organization: String
            var groups: [String]
            var isAdmin: Bool
            var disabled: String?
            var created: String
        }

        func run() async throws {
            let users = try RunStore(directory: dataDirectory.directory).users()
            if output.json {
                return try output.print(users.map {
                    Item(id: $0.id, username: $0.username, organization: $0.organization, groups: $0.groups, isAdmin: $0.isAdmin,
                         disabled: $0.disabled?.iso8601, created: $0.created.iso8601)
                })
            }
            var table = TextTable("ID", "USERNAME", "ORGANIZATION", "GROUPS", "STATE")
            for user in users {
                let state = user.disabled.map { "disabled \(shortTime($0.iso8601))" } ?? (user.isAdmin ? "active, admin" : "active")
                table.add(user.id, user.username, user.organization, user.groups.joined(separator: ","), state)
            }
            print(table.rendered)
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a user (then `cjr tokens create --user NAME` gives them a token).",
            discussion: "An organization or group that does not exist yet is created.")
        @OptionGroup var dataDirectory: DataDirectoryOption
        @Argument(help: "Username (one word; an email address is fine).") var username: String
        @Option(name: .customLong("org"), help: "Organization (default: 'default').") var organization: String?
        @Option(name: .customLong("group"), help: "A group to join (repeatable).") var groups: [String] = []

        func run() async throws {
            let (user, created) = try RunStore(directory: dataDirectory.directory)
                .addUser(username, organization: organization, groups: groups)
            for name in created { print("created \(name)") }
            print("added user \(user.username) (\(user.id)) in organization \(user.organization)"
                  + (user.groups.isEmpty ? "" : ", groups \(user.groups.joined(separator: ", "))"))
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "disable",
            abstract: "Disable a user: their tokens, and those of their runs, are refused from the next request.",
            discussion: "Logs they follow stop at the next poll; their queued runs end canceled instead of starting. "
                + "Their jobs, runs and roles stay; `cjr users enable` lets them in again.")
        @OptionGroup var dataDirectory: DataDirectoryOption
        @Argument(help: "Username.") var username: String

        func run() async throws {
            let user = try RunStore(directory: dataDirectory.directory).setUserDisabled(username, true)
            print("disabled \(user.username); their tokens are refused from now on")
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "enable", abstract: "Enable a disabled user again (their unrevoked tokens work again).")
        @OptionGroup var dataDirectory: DataDirectoryOption
        @Argument(help: "Username.") var username: String

        func run() async throws {
            let user = try RunStore(directory: dataDirectory.directory).setUserDisabled(username, false)
            print("enabled \(user.username)")
        }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "move", abstract: "Move a user to another organization (created if new).")
        @OptionGroup var dataDirectory: DataDirectoryOption
        @Argument(help: "Username.") var username: String
        @Option(name: .customLong("org"), help: "The organization.") var organization: String

        func run() async throws {
            let (user, created) = try RunStore(directory: dataDirectory.directory).setOrganization(of: username, to: organization)
            for name in created { print("created \(name)") }
            print("\(user.username) is in organization \(user.organization)")
        }
    }
}

/// `cjr groups list|create|delete|add|remove`.
struct GroupsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups",
        abstract: "Manage user groups (a job shared with a group is shared with its members).",
        subcommands: [List.self, Create.self, Delete.self, AddMember.self, RemoveMember.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List groups and their members.")
        @OptionGroup var dataDirectory: DataDirectoryOption
        @OptionGroup var output: JSONOutputOption

        struct Item: Encodable {
            var id, name: String
            var members: [String]
        }

        func run() async throws {
            let groups = try RunStore(directory: dataDirectory.directory).groups()
            if output.json { return try output.print(groups.map { Item(id: $0.id, name: $0.name, members: $0.members) }) }
            var table = TextTable("ID", "GROUP", "MEMBERS")
            table.maxCellWidth = 80
            for group in groups {
                table.add(group.id, group.name, group.members.joined(separator: ","))
            }
            print(table.rendered)
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create an empty group.")
        @OptionGroup var dataDirectory: DataDirectoryOption
        @Argument(help: "Group name.") var name: String

        func run() async throws {
            let group = try RunStore(directory: dataDirectory.directory).createGroup(name)
            print("created group \(group.name) (\(group.id))")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a group; the roles it held on jobs go with it.")
        @OptionGroup var dataDirectory: DataDirectoryOption
        @Argument(help: "Group name.") var name: String

        func run() async throws {
            try RunStore(directory: dataDirectory.directory).deleteGroup(name)
            print("deleted group \(name)")
        }
    }

    struct AddMember: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a user to a group.")
        @OptionGroup var dataDirectory: DataDirectoryOption
        @Argument(help: "Group name.") var group: String
        @Argument(help: "Username.") var username: String

        func run() async throws {
            try RunStore(directory: dataDirectory.directory).setMembership(group: group, username: username, member: true)
            print("\(username) is a member of \(group)")
        }
    }

    struct RemoveMember: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a user from a group.")
        @OptionGroup var dataDirectory: DataDirectoryOption
        @Argument(help: "Group name.") var group: String
        @Argument(help: "Username.") var username: String

        func run() async throws {
            try RunStore(directory: dataDirectory.directory).setMembership(group: group, username: username, member: false)
            print("\(username) is no longer a member of \(group)")
        }
    }
}
