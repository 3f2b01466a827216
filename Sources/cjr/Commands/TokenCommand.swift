import ArgumentParser
import Foundation
import CJRStore

/// `cjr token`: print (or rotate) the local admin API token.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print the admin API token of a data directory (made by the first `cjr serve`, or by this command on a new one)."
    )

    @OptionGroup var dataDirectory: DataDirectoryOption

    @Flag(help: "Revoke the current admin token and print a new one.")
    var rotate = false

    func run() async throws {
        let store = try RunStore(directory: dataDirectory.directory)
        if rotate {
            print(try store.rotateAdminToken())
            return
        }
        if let created = try store.bootstrapAdmin() {
            print(created)
        } else if let token = store.readTokenFile() {
            print(token)
        } else {
            throw ValidationError("The token file \(store.directory.tokenFile.path) is missing; run `cjr token --rotate` for a new token.")
        }
    }
}
