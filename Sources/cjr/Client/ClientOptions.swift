import ArgumentParser
import Foundation
import CJRClient
import CJRModel
import CJRStore

/// `--server`, `--token` and `--json`, shared by the client verbs (`jobs`, `runs`,
/// `limits`, `templates`).
struct ClientOptions: ParsableArguments {
    @Option(help: "The cjr server, e.g. http://127.0.0.1:8080 (default: $CJR_SERVER, else http://127.0.0.1:8080).")
    var server: String?

    @Option(help: "API token (default: $CJR_TOKEN, else the token file of --data-dir, as `cjr token` prints it).")
    var token: String?

    @OptionGroup var dataDirectory: DataDirectoryOption

    @Flag(help: "Print the server's JSON instead of a table.")
    var json = false

    static let defaultServer = "http://127.0.0.1:8080"

    func client() throws -> ServerClient {
        let environment = ProcessInfo.processInfo.environment
        let server = server ?? environment["CJR_SERVER"] ?? Self.defaultServer
        let tokenFile = dataDirectory.directory.tokenFile
        guard let token = token ?? environment["CJR_TOKEN"] ?? (try? String(contentsOf: tokenFile, encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) else {
            throw ValidationError("no API token: pass --token, set CJR_TOKEN, or run where the server's data directory is (\(tokenFile.path))")
        }
        return try ServerClient(server: server, token: token)
    }
}

/// Runs a client verb: a server error or an unreachable server is one line on stderr and
/// exit code 1; a bad argument found before asking the server (a `--param` that does not
/// fit its type, an invalid metadata.yaml) is one line and exit code 125 (refused before
/// running, as `cjr run` says it).
func withClientErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ClientError {
        try? FileHandle.standardError.write(contentsOf: Data("cjr: \(error.description)\n".utf8))
        throw ExitCode.failure
    } catch let error as CJRError {
        try? FileHandle.standardError.write(contentsOf: Data("cjr: \(error.message)\n".utf8))
        throw ExitCode(FolderGate.refusedExitCode)
    }
}
