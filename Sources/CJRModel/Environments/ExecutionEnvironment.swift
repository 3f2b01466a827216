/// A named runtime setup a job runs in. On the platform this is a container image; locally
/// it is the host's interpreters plus, per version, directories put in front of PATH and
/// an optional Python virtual environment.
public struct ExecutionEnvironment: Sendable, Equatable {
    public var id: String
    public var name: String
    public var description: String
    public var programmingLanguage: String
    public var created: Timestamp
    /// Versions, oldest first; the last is the latest.
    public var versions: [ExecutionEnvironmentVersion]

    public init(id: String, name: String, description: String, programmingLanguage: String,
                created: Timestamp, versions: [ExecutionEnvironmentVersion]) {
        self.id = id
        self.name = name
        self.description = description
        self.programmingLanguage = programmingLanguage
        self.created = created
        self.versions = versions
    }

    public var latestVersion: ExecutionEnvironmentVersion? { versions.last }
    public var isBuiltIn: Bool { id == Self.defaultID }

    /// The built-in default environment and its one version: fixed ids, so they are the
    /// same on every machine and can be written into scripts.
    public static let defaultID = "000000000000000000000001"
    public static let defaultVersionID = "000000000000000000000002"
    public static let defaultName = "cjr-default"

    /// The minimal PATH of the default environment: the host's standard system directories.
    public static let defaultPath = ["/usr/local/bin", "/usr/bin", "/bin"]
}

public struct ExecutionEnvironmentVersion: Sendable, Equatable {
    public var id: String
    public var environmentId: String
    /// Short human label (≤ 50 characters), unique within the environment.
    public var label: String
    public var description: String
    public var created: Timestamp
    /// Directories put in front of the default PATH, in order.
    public var pathPrepend: [String]
    /// A Python virtual environment: its `bin` goes first on PATH and `VIRTUAL_ENV` is set.
    public var virtualEnv: String?

    public init(id: String, environmentId: String, label: String, description: String, created: Timestamp,
                pathPrepend: [String] = [], virtualEnv: String? = nil) {
        self.id = id
        self.environmentId = environmentId
        self.label = label
        self.description = description
        self.created = created
        self.pathPrepend = pathPrepend
        self.virtualEnv = virtualEnv
    }

    public static let labelLength = 50

    /// The PATH a run in this version gets.
    public var searchPath: [String] {
        (virtualEnv.map { ["\($0)/bin"] } ?? []) + pathPrepend + ExecutionEnvironment.defaultPath
    }
}
