import Foundation
import Subprocess
import CJRModel

/// The environment a run's processes see, built from nothing: the server's own variables
/// never leak into a job.
///
/// Base variables: `PATH` (the execution environment version's search path), `HOME` and
/// `TMPDIR` (the run's private directories), `LANG=C.UTF-8`, `VIRTUAL_ENV` for a virtual
/// environment, and the platform's `CURRENT_CUSTOM_JOB_ID` / `CURRENT_CUSTOM_JOB_RUN_ID`.
struct RunEnvironment {
    private(set) var variables: [String: String] = [:]

    init(run: CustomJobRun, version: ExecutionEnvironmentVersion?, workspace: RunWorkspace) {
        let searchPath = version?.searchPath ?? ExecutionEnvironment.defaultPath
        variables["PATH"] = searchPath.joined(separator: ":")
        variables["HOME"] = workspace.home.path
        variables["TMPDIR"] = workspace.temporary.path
        variables["LANG"] = "C.UTF-8"
        if let virtualEnv = version?.virtualEnv { variables["VIRTUAL_ENV"] = virtualEnv }
        variables["CURRENT_CUSTOM_JOB_ID"] = run.customJobId
        variables["CURRENT_CUSTOM_JOB_RUN_ID"] = run.id
    }

    /// The variables in swift-subprocess's form; the launcher receives exactly these.
    var subprocessEnvironment: Environment {
        var custom: [Environment.Key: String] = [:]
        for (name, value) in variables {
            if let key = Environment.Key(rawValue: name) { custom[key] = value }
        }
        return .custom(custom)
    }
}
