import Crypto
import Foundation
import Logging
import Subprocess
import CJRModel
import CJRStore
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// A job's `requirements.txt`, installed as the platform installs it for a custom job:
/// into a Python virtual environment on top of the run's execution environment, which the
/// run then executes in. Each environment is built once per (requirements, interpreter)
/// and kept under `<data-dir>/venvs/`; later runs reuse it.
///
/// pip runs as cjr's user, outside the run's sandbox, so it installs wheels only
/// (`--only-binary=:all:`): no package's build code runs outside it. Its output is the
/// run's first log lines. pip takes its settings from cjr's environment (`PIP_INDEX_URL`,
/// `PIP_FIND_LINKS`, `PIP_NO_INDEX`, proxies), and a run without a reachable index fails
/// saying so.
struct Requirements: Sendable {
    static let fileName = "requirements.txt"

    let store: RunStore
    let timeoutSeconds: Int

    struct Failure: Error {
        var message: String
    }

    /// What the run executes in: `base` itself when the run has no requirements.txt, else
    /// a version whose virtualenv holds them; with what was done, for the run's log.
    func environment(for run: CustomJobRun, base: ExecutionEnvironmentVersion?, control: RunControl,
                     output: @escaping @Sendable ([UInt8]) async -> Void) async throws(Failure) -> (version: ExecutionEnvironmentVersion?, note: String?) {
        guard let item = run.items.first(where: { $0.filePath == Self.fileName }) else { return (base, nil) }
        let searchPath = base?.searchPath ?? ExecutionEnvironment.defaultPath
        guard let python = searchPath.map({ "\($0)/python3" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Failure(message: "requirements.txt needs python3 in the execution environment; none is on its PATH (\(searchPath.joined(separator: ":")))")
        }
        let interpreter = URL(fileURLWithPath: python).resolvingSymlinksInPath().path
        let key = ObjectID.hex(SHA256.hash(data: Data("\(item.contentHash)\n\(interpreter)\n\(base?.virtualEnv ?? "")".utf8)))
        let root = store.directory.root.appendingPathComponent("venvs")
        let directory = root.appendingPathComponent(String(key.prefix(32)))
        let complete = directory.appendingPathComponent(".cjr-complete")
        try? FileManager.default.createDirectory(at: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])

        let lock = open(root.appendingPathComponent("\(key.prefix(32)).lock").path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw Failure(message: "cannot lock the requirements environment in \(root.path)") }
        defer { close(lock) }
        // Another run building the same environment finishes first; this one then uses it.
        while flock(lock, LOCK_EX | LOCK_NB) != 0 {
            if control.reason != nil { throw Failure(message: "stopped while waiting for another run to install the same requirements.txt") }
            try? await Task.sleep(for: .milliseconds(100))
        }
        let version = Self.version(base: base, directory: directory)
        if FileManager.default.fileExists(atPath: complete.path) {
            return (version, "requirements.txt: using the environment installed earlier (\(directory.path))")
        }
        try? FileManager.default.removeItem(at: directory) // a build a crash interrupted
        let start = ContinuousClock.now
        await output(Array("[cjr] requirements.txt: installing into a new environment (wheels only)\n".utf8))
        let requirements = store.blobs.path(forHash: item.contentHash)
        try await step([python, "-m", "venv", "--system-site-packages", directory.path], control: control, output: output)
        try await step([directory.appendingPathComponent("bin/python3").path, "-m", "pip", "install", "--disable-pip-version-check",
                       "--no-input", "--progress-bar", "off", "--only-binary=:all:", "-r", requirements], control: control, output: output)
        guard FileManager.default.createFile(atPath: complete.path, contents: nil) else {
            throw Failure(message: "cannot mark the environment in \(directory.path) complete")
        }
        let seconds = Double((ContinuousClock.now - start).components.attoseconds) / 1e18 + Double((ContinuousClock.now - start).components.seconds)
        return (version, "requirements.txt: installed in \(String(format: "%.1f", seconds)) s (\(directory.path)), reused by later runs")
    }

    /// `base` with the requirements' virtualenv in front.
    static func version(base: ExecutionEnvironmentVersion?, directory: URL) -> ExecutionEnvironmentVersion {
        var version = base ?? ExecutionEnvironmentVersion(id: ExecutionEnvironment.defaultVersionID, environmentId: ExecutionEnvironment.defaultID,
                                                          label: "host", description: "", created: .now())
        if let previous = version.virtualEnv { version.pathPrepend.insert("\(previous)/bin", at: 0) }
        version.virtualEnv = directory.path
        return version
    }

    /// Runs one step, its output into the run's log; stopped by a cancel or the run's timeout.
    private func step(_ command: [String], control: RunControl, output: @escaping @Sendable ([UInt8]) async -> Void) async throws(Failure) {
        var environment: [Environment.Key: String] = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": store.directory.root.path,
                                                      "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1"]
        for (name, value) in ProcessInfo.processInfo.environment
        where name.hasPrefix("PIP_") || ["http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"].contains(name) {
            if let key = Environment.Key(rawValue: name) { environment[key] = value }
        }
        let deadline = ContinuousClock.now + .seconds(timeoutSeconds)
        let status: TerminationStatus
        do {
            status = try await Subprocess.run(
                .path(FilePath(command[0])), arguments: Arguments(Array(command.dropFirst())), environment: .custom(environment),
                input: .none, output: .sequence, error: .combinedWithOutput
            ) { execution in
                let watcher = Task {
                    while !Task.isCancelled {
                        if control.reason != nil || ContinuousClock.now > deadline {
                            try? execution.send(signal: .terminate)
                            return
                        }
                        try? await Task.sleep(for: .milliseconds(200))
                    }
                }
                defer { watcher.cancel() }
                for try await chunk in execution.standardOutput { await output(chunk.withUnsafeBytes { Array($0) }) }
            }.terminationStatus
        } catch {
            throw Failure(message: "could not run \(command[0]): \(error)")
        }
        if control.reason != nil { throw Failure(message: "stopped while installing requirements.txt") }
        if ContinuousClock.now > deadline { throw Failure(message: "installing requirements.txt took longer than the run's \(timeoutSeconds) s") }
        guard case .exited(0) = status else {
            throw Failure(message: "installing requirements.txt failed (\(command.dropFirst(2).prefix(2).joined(separator: " ")) ended \(status)); "
                + "its output is above. Without a package index, point pip at one: PIP_INDEX_URL or PIP_FIND_LINKS in cjr's environment")
        }
    }
}
