import ArgumentParser
import CCJRHost
import Foundation
import Hummingbird
import Logging
import CJRAPI
import CJRModel
import CJRRunner
import CJRStore

/// `cjr serve`: the REST API on one machine.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the custom-jobs API (under /api/v2) and the web console (at /) until SIGTERM or SIGINT."
    )

    @Option(help: "Address to listen on.")
    var host = APIConfiguration.defaultHost

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = APIConfiguration.defaultPort

    @OptionGroup var dataDirectory: DataDirectoryOption

    @OptionGroup var gallery: GalleryOption

    @OptionGroup var resourceBundles: ResourceBundleOptions

    @Option(name: .customLong("max-runs"), help: "maxCustomJobRuns: runs that may execute at once.")
    var maxRuns = APIConfiguration.defaultMaxRuns

    @Option(name: .customLong("max-runs-per-user"), help: "Runs of one user that may execute at once (default: no limit but --max-runs). Queued runs take turns across users either way.")
    var maxRunsPerUser: Int?

    @Option(name: .customLong("max-timeout"), help: "maxCustomJobTimeout: the longest a run may take, in seconds (default 3600; 1800 with --profile datarobot).")
    var maxTimeout: Int?

    @OptionGroup var profileOption: ProfileOption

    @Option(name: .customLong("max-upload-mb"), help: "Largest accepted request body, in MiB.")
    var maxUploadMiB = Int(APIConfiguration.defaultMaxUploadBytes >> 20)

    @Option(name: .customLong("grace"), help: "Seconds between SIGTERM and SIGKILL when a run is stopped.")
    var graceSeconds = RunnerConfiguration.defaultGraceSeconds

    @Option(name: .customLong("max-log-mb"), help: "Output kept per run, in MiB; beyond it the log is truncated with a marker.")
    var maxLogMiB = Int(RunnerConfiguration.defaultMaxLogBytes >> 20)

    @Flag(name: .customLong("keep-workspaces"), help: "Keep each run's working directory under <data-dir>/runs/ after it ends.")
    var keepWorkspaces = false

    @Flag(name: .customLong("drum-env"), help: "Also give runs DRUM's MLOPS_RUNTIME_PARAM_<name> variables (datarobot_drum.RuntimeParameters).")
    var drumVariables = false

    @Flag(name: .customLong("allow-unsandboxed"), help: "Run jobs whose isolation cannot be enforced on this host (containment, egress none) with what it allows instead of failing them.")
    var allowUnsandboxed = false

    @Flag(name: .customLong("allow-unenforced-limits"), help: "Run jobs that name a resource bundle this host cannot enforce (no cgroups for cjr's user) without its limits, instead of failing them; `cjr doctor` shows how to enable them.")
    var allowUnenforcedLimits = false

    @Option(name: .customLong("run-uid-base"), help: "As root, runs execute as uid = gid = this + their launcher's pid (an unused range; see `cjr doctor`).")
    var runUIDBase = RunnerConfiguration.defaultRunUIDBase

    @Option(name: .customLong("header-timeout"), help: "Seconds a new connection has to send a complete request head (slow clients are closed).")
    var headerTimeout = 10.0

    @Option(name: .customLong("max-connections-per-client"), help: "Open connections one client address may hold; past it, 503.")
    var maxConnectionsPerClient = 256

    @OptionGroup var slurm: SlurmOptions

    @Option(name: .customLong("catch-up"), help: "Schedules due while the server was down: 'one' run each when it starts, or 'none' (wait for the next time).")
    var catchUp = ScheduleCatchUp.one.rawValue

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard maxRuns >= 1 else { throw ValidationError("--max-runs must be at least 1") }
        if let maxRunsPerUser, maxRunsPerUser < 1 { throw ValidationError("--max-runs-per-user must be at least 1") }
        _ = try profileOption.profile
        if let maxTimeout, maxTimeout < 1 {
            throw ValidationError("--max-timeout must be at least 1 second")
        }
        guard maxUploadMiB >= 1 else { throw ValidationError("--max-upload-mb must be at least 1") }
        guard graceSeconds >= 0 else { throw ValidationError("--grace must not be negative") }
        guard maxLogMiB >= 1 else { throw ValidationError("--max-log-mb must be at least 1") }
        guard runUIDBase >= 65_536, UInt64(runUIDBase) + 4_194_304 < UInt64(UInt32.max) else {
            throw ValidationError("--run-uid-base must be at least 65536 (above every 16-bit id, nobody's included) "
                + "and leave room for 4194304 ids below 2^32-1")
        }
        guard headerTimeout > 0 else { throw ValidationError("--header-timeout must be positive") }
        guard maxConnectionsPerClient >= 1 else { throw ValidationError("--max-connections-per-client must be at least 1") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
        guard ScheduleCatchUp(rawValue: catchUp) != nil else { throw ValidationError("--catch-up must be one or none, got '\(catchUp)'") }
    }

    func run() async throws {
        _ = cjr_set_undumpable() // jobs run as this user must not read the server's memory (tokens)
        // One clear line, before any start-up log, when the address cannot be had.
        if port != 0 {
            switch cjr_probe_bind(host, Int32(port)) {
            case 0: break
            case EADDRINUSE: throw Self.refuse("port \(port) on \(host) is already in use (another cjr serve?); choose another with --port")
            case EADDRNOTAVAIL: throw Self.refuse("\(host) is not an address of this machine; use --host 127.0.0.1, or 0.0.0.0 for every address")
            case EACCES: throw Self.refuse("port \(port) needs privileges to listen on; use a port above 1023")
            case -1: throw Self.refuse("--host \(host) does not resolve to an address")
            case let code: throw Self.refuse("cannot listen on \(host):\(port): \(String(cString: strerror(code)))")
            }
        }
        var logger = Logger(label: "cjr")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let profile = try profileOption.profile
        var configuration = APIConfiguration(
            host: host, port: port, dataDirectory: dataDirectory.directory, maxRuns: maxRuns,
            maxTimeoutSeconds: maxTimeout ?? profile?.timeoutSeconds ?? APIConfiguration.defaultMaxTimeoutSeconds,
            maxUploadBytes: Int64(maxUploadMiB) << 20)
        configuration.runner.graceSeconds = graceSeconds
        configuration.runner.maxRunsPerUser = maxRunsPerUser ?? profile?.maxRunsPerUser
        configuration.runner.maxLogBytes = Int64(maxLogMiB) << 20
        configuration.runner.keepWorkspaces = keepWorkspaces
        configuration.runner.drumVariables = drumVariables
        configuration.runner.allowUnsandboxed = allowUnsandboxed
        configuration.runner.allowUnenforcedLimits = allowUnenforcedLimits
        configuration.runner.runUIDBase = runUIDBase
        configuration.headerTimeoutSeconds = headerTimeout
        configuration.maxConnectionsPerClient = maxConnectionsPerClient
        configuration.scheduleCatchUp = ScheduleCatchUp(rawValue: catchUp) ?? .one
        if let settings = slurm.settings {
            // Refused at start, on one clear line, rather than at each run.
            do {
                configuration.runner.slurm = try await SlurmCheck.connect(settings).settings
            } catch {
                throw Self.refuse("--executor slurm: \(error.description) (`cjr doctor --executor slurm …` checks the rest)")
            }
        }
        configuration.runner.resourceBundles = try resourceBundles.load()
        if let profile {
            do {
                configuration.runner.resourceBundles = try profile.bundles(adding: configuration.runner.resourceBundles)
            } catch {
                throw ValidationError("--profile: \(error.message)")
            }
        }
        do {
            configuration.gallery = try gallery.load(resourceBundles: configuration.runner.resourceBundles)
        } catch let error as CJRError {
            throw ValidationError("--gallery: \(error.message)")
        }
        let directory = configuration.dataDirectory
        let listenHost = ["0.0.0.0", "::", ""].contains(host) ? "127.0.0.1" : host
        let app = try await APIServer.makeApplication(configuration: configuration, logger: logger) { [logger] port in
            // Client commands on this data directory find the server here.
            let url = "http://\(listenHost.contains(":") ? "[\(listenHost)]" : listenHost):\(port)"
            ServerAddressFile.write(url: url, in: directory)
            logger.notice("web console", metadata: ["url": "\(url)/"])
        }
        defer { ServerAddressFile.remove(in: directory) }
        logger.notice("data directory", metadata: ["path": "\(configuration.dataDirectory.root.path)"])
        logger.notice("template gallery", metadata: [
            "path": "\(configuration.gallery.templates.isEmpty ? "none" : configuration.gallery.directory.path)",
            "templates": "\(configuration.gallery.templates.count)"])
        logger.notice("API token: `cjr token\(dataDirectory.path.map { " --data-dir \($0)" } ?? "")` prints it")
        try await app.runService()
    }

    /// Says why on stderr, one line, and exits 1.
    private static func refuse(_ message: String) -> ExitCode {
        try? FileHandle.standardError.write(contentsOf: Data("cjr: \(message)\n".utf8))
        return ExitCode.failure
    }
}
