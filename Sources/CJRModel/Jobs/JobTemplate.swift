/// A gallery template: a job folder and the settings a job created from it starts with.
public struct JobTemplate: Sendable, Equatable {
    /// The folder's name, e.g. `hello-world`.
    public var id: String
    public var name: String
    public var description: String
    public var jobType: JobType
    public var resources: CustomJobResources
    /// The folder's files, relative paths in order.
    public var filePaths: [String]
    /// What its `metadata.yaml` declares.
    public var runtimeParameterDefinitions: [RuntimeParameterDefinition]

    public init(id: String, name: String, description: String, jobType: JobType = .default,
                resources: CustomJobResources = CustomJobResources(), filePaths: [String] = [],
                runtimeParameterDefinitions: [RuntimeParameterDefinition] = []) {
        self.id = id
        self.name = name
        self.description = description
        self.jobType = jobType
        self.resources = resources
        self.filePaths = filePaths
        self.runtimeParameterDefinitions = runtimeParameterDefinitions
    }
}
