import CJRModel

/// An execution environment version in the platform's shape, plus the local setup.
struct EnvironmentVersionPayload: Encodable, Sendable {
    var id: String
    var environmentId: String
    var label: String
    var description: String
    var created: String
    /// Locally nothing is built: every version is ready.
    var buildStatus = "success"
    /// The platform's image id; locally the version has no image, so its id stands in.
    var imageId: String
    @ExplicitNull var dockerContextSize: Int?
    @ExplicitNull var dockerImageSize: Int?
    var pathPrepend: [String]
    @ExplicitNull var virtualEnv: String?
    var searchPath: [String]

    init(_ version: ExecutionEnvironmentVersion) {
        id = version.id
        environmentId = version.environmentId
        label = version.label
        description = version.description
        created = version.created.iso8601
        imageId = version.id
        pathPrepend = version.pathPrepend
        virtualEnv = version.virtualEnv
        searchPath = version.searchPath
    }
}

struct EnvironmentPayload: Encodable, Sendable {
    var id: String
    var name: String
    var description: String
    var programmingLanguage: String
    var isPublic = true
    var created: String
    @ExplicitNull var latestVersion: EnvironmentVersionPayload?
    @ExplicitNull var latestSuccessfulVersion: EnvironmentVersionPayload?
    var requiredMetadataKeys: [String] = []
    var useCases: [String] = []

    init(_ environment: ExecutionEnvironment) {
        id = environment.id
        name = environment.name
        description = environment.description
        programmingLanguage = environment.programmingLanguage
        created = environment.created.iso8601
        latestVersion = environment.latestVersion.map(EnvironmentVersionPayload.init)
        latestSuccessfulVersion = latestVersion
    }
}
