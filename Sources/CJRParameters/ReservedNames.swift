/// Environment names a runtime parameter may not take: they would clobber the run's base
/// environment, the standard variables cjr and the platform set, or change how programs
/// load (the dynamic loader's and the shells' own variables).
public enum ReservedNames {
    public static let exact: Set<String> = [
        "PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "PWD", "OLDPWD", "SHLVL", "SHELL", "USER", "LOGNAME", "IFS",
        "ENV", "BASH_ENV", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "_",
        "CURRENT_CUSTOM_JOB_ID", "CURRENT_CUSTOM_JOB_RUN_ID", "DATAROBOT_ENDPOINT", "DATAROBOT_API_TOKEN",
    ]
    public static let prefixes = ["LD_", "BASH_FUNC_", "MLOPS_RUNTIME_PARAM_", "CJR_"]

    public static func contains(_ name: String) -> Bool {
        exact.contains(name) || prefixes.contains { name.hasPrefix($0) }
    }

    /// `^[A-Za-z_][A-Za-z0-9_]*$`: usable as an environment variable in every shell.
    public static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }
}
