import CJRModel

/// Everything one launch of a run needs, and nothing about where it runs: what
/// ``RunPreparation`` makes of a run and an ``Executor`` starts. The sandbox options are
/// `cjr-launch`'s, which every executor runs the entry point under.
struct LaunchSpec: Sendable {
    var runId: String
    /// The entry point's command, relative to the working directory.
    var command: [String]
    /// The run's whole environment (nothing is inherited).
    var environment: [String: String]
    var workingDirectory: String
    /// Where the launcher reports how the entry point ended (see ``LauncherStatus``).
    var statusFile: String
    /// `cjr-launch` options of the run's sandbox (``SandboxPlan``).
    var sandboxArguments: [String]
    /// What the sandbox applies, for the run's record; executors add their own.
    var protections: [String]
    /// As root, the contained entry point runs as uid this + the launcher's pid.
    var runUIDBase: UInt32?
    /// The resource bundle the run is limited by.
    var bundle: ResourceBundle
    /// Seconds the run may take; SIGTERM to SIGKILL when it is stopped.
    var timeoutSeconds: Int
    var graceSeconds: Double
    /// A pseudo-terminal of this size for stdout and stderr (`cjr run --tty`).
    var terminalSize: (columns: Int, rows: Int)?

    /// The `cjr-launch` options every executor passes: where to report, the grace period,
    /// the terminal. An executor adds its own (cgroups, `--watch-stdin`) before
    /// ``launcherTail``.
    var launcherOptions: [String] {
        var options = ["--status-file", statusFile, "--grace-ms", String(Int(graceSeconds * 1000))]
        if let terminalSize { options += ["--tty", "\(terminalSize.columns)x\(terminalSize.rows)"] }
        return options
    }

    /// The sandbox's options and the command: the end of every launcher command line.
    var launcherTail: [String] { sandboxArguments + ["--"] + command }
}
