import ArgumentParser
import Foundation
import CJRClient
import CJRModel
import CJRStore

/// `--server`, `--token` and `--json`, shared by the client verbs (`jobs`, `runs`,
/// `limits`, `templates`).
struct ClientOptions: ParsableArguments {
    @Option(help: "The cjr server, e.g. http://127.0.0.1:8080 (default: $CJR_SERVER, else the server running on --data-dir, else http://127.0.0.1:8080).")
    var server: String?

    @Option(help: "API token (default: $CJR_TOKEN, else the token file of --data-dir, as `cjr token` prints it).")
    var token: String?

    @OptionGroup var dataDirectory: DataDirectoryOption

    @Flag(help: "Print the server's JSON instead of a table.")
    var json = false

    static let defaultServer = "http://127.0.0.1:8080"

    func client() throws -> ServerClient {
        let environment = ProcessInfo.processInfo.environment
        let directory = dataDirectory.directory
        let server = server ?? environment["CJR_SERVER"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ServerAddressFile.read(in: directory) ?? Self.defaultServer
        let (token, source) = try Self.token(option: token, environment: environment, file: directory.tokenFile)
        return try ServerClient(server: server, token: token, tokenSource: source)
    }

    /// The token and where it came from: `--token`, else `$CJR_TOKEN`, else the token file.
    static func token(option: String?, environment: [String: String], file: URL) throws -> (String, String) {
        if let option {
            guard !option.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--token is empty") }
            return (option, "--token")
        }
        if let variable = environment["CJR_TOKEN"] {
            guard !variable.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ValidationError("CJR_TOKEN is set but empty; unset it to use the token file (\(file.path)), or give it a token")
            }
            return (variable.trimmingCharacters(in: .whitespacesAndNewlines), "$CJR_TOKEN")
        }
        guard let text = try? String(contentsOf: file, encoding: .utf8), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError("no API token: pass --token, set CJR_TOKEN, or give --data-dir of the server's data directory (no token file at \(file.path))")
        }
        return (text.trimmingCharacters(in: .whitespacesAndNewlines), file.path)
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
