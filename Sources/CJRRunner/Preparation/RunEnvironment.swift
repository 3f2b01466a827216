import Foundation
import CJRModel
import CJRParameters

/// The environment a run's processes see, built from nothing: the server's own variables
/// never leak into a job.
///
/// Base variables: `PATH` (the execution environment version's search path), `HOME` and
/// `TMPDIR` (the run's private directories), `LANG=C.UTF-8`, `PYTHONUNBUFFERED=1`, `VIRTUAL_ENV` for a virtual
/// environment, and the platform's `CURRENT_CUSTOM_JOB_ID` / `CURRENT_CUSTOM_JOB_RUN_ID`,
/// `DATAROBOT_ENDPOINT` / `DATAROBOT_API_TOKEN`, and the job type's variables. Then the runtime parameters, as the
/// platform injects them into custom jobs (see runtime-params.md).
struct RunEnvironment {
    private(set) var variables: [String: String] = [:]

    /// `privateTemporary`: the run has a private /tmp of its own (a contained run).
    init(run: CustomJobRun, version: ExecutionEnvironmentVersion?, workspace: RunWorkspace, privateTemporary: Bool = false) {
        let searchPath = version?.searchPath ?? ExecutionEnvironment.defaultPath
        variables["PATH"] = searchPath.joined(separator: ":")
        variables["HOME"] = workspace.home.path
        variables["TMPDIR"] = privateTemporary ? "/tmp" : workspace.temporary.path
        variables["LANG"] = "C.UTF-8"
        // Python's output reaches the log as it is printed, not when its buffer fills (stdout
        // is a pipe); a runtime parameter of that name sets another value.
        variables["PYTHONUNBUFFERED"] = "1"
        if let virtualEnv = version?.virtualEnv { variables["VIRTUAL_ENV"] = virtualEnv }
        variables["CURRENT_CUSTOM_JOB_ID"] = run.customJobId
        variables["CURRENT_CUSTOM_JOB_RUN_ID"] = run.id
        for (name, value) in JobTypeVariables.defaults(for: run.jobType) { variables[name] = value }
    }

    /// The job type's variables that no runtime parameter supplied (see `JobTypeVariables`).
    func unsetJobTypeVariables(of run: CustomJobRun) -> [String] {
        JobTypeVariables.defaults(for: run.jobType).map(\.name).filter { variables[$0, default: ""].isEmpty }
    }

    mutating func addAPIAccess(endpoint: String?, token: String?) {
        if let endpoint { variables["DATAROBOT_ENDPOINT"] = endpoint }
        if let token { variables["DATAROBOT_API_TOKEN"] = token }
    }

    /// One raw variable per parameter that has a value (the run's, else the default);
    /// credentials split into `<fieldName>_<FIELD>` per field; with `drum`, also
    /// `MLOPS_RUNTIME_PARAM_<fieldName>` = `{"type": …, "payload": …}`.
    mutating func addParameters(of run: CustomJobRun, drum: Bool,
                                credential: (String) async throws -> (type: CredentialType, fields: [String: String])) async throws {
        for definition in run.runtimeParameterDefinitions {
            let name = definition.fieldName
            guard let value = run.runtimeParameterValues[name] ?? definition.defaultValue else {
                if drum { variables["MLOPS_RUNTIME_PARAM_\(name)"] = ParameterEncoding.drumPayload(type: definition.type, value: nil, credential: nil) }
                continue
            }
            if definition.type == .credential, case .string(let id) = value {
                let secret = try await credential(id)
                for (field, text) in secret.fields { variables["\(name)_\(CredentialFields.upperSnake(field))"] = text }
                if drum {
                    var payload = secret.fields
                    payload["credentialType"] = secret.type.rawValue
                    variables["MLOPS_RUNTIME_PARAM_\(name)"] = ParameterEncoding.drumPayload(type: .credential, value: nil, credential: payload)
                }
            } else {
                variables[name] = ParameterEncoding.text(of: value)
                if drum { variables["MLOPS_RUNTIME_PARAM_\(name)"] = ParameterEncoding.drumPayload(type: definition.type, value: value, credential: nil) }
            }
        }
    }
}
