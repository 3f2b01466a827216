/// A custom job as stored: its settings, its files and its runtime-parameter state.
public struct CustomJob: Sendable, Equatable {
    public var id: String
    public var name: String
    public var description: String
    public var jobType: JobType
    /// The item id of the entry point, or nil while the job has none.
    public var entryPoint: String?
    public var environmentId: String
    public var environmentVersionId: String
    public var resources: CustomJobResources
    public var created: Timestamp
    public var updated: Timestamp
    /// Set when the job was soft-deleted; such a job is visible only to the deleted list.
    public var deleted: Timestamp?
    /// Items ordered by path.
    public var items: [FileItem]
    public var runtimeParameterDefinitions: [RuntimeParameterDefinition]
    /// Job-level override values, by field name.
    public var runtimeParameterValues: [String: RuntimeParameterValue]
    /// When the most recent run was created (ISO-8601), if there is one.
    public var lastRun: String?

    public init(id: String, name: String, description: String, jobType: JobType, entryPoint: String?,
                environmentId: String, environmentVersionId: String, resources: CustomJobResources,
                created: Timestamp, updated: Timestamp, deleted: Timestamp? = nil, items: [FileItem] = [],
                runtimeParameterDefinitions: [RuntimeParameterDefinition] = [],
                runtimeParameterValues: [String: RuntimeParameterValue] = [:], lastRun: String? = nil) {
        self.id = id
        self.name = name
        self.description = description
        self.jobType = jobType
        self.entryPoint = entryPoint
        self.environmentId = environmentId
        self.environmentVersionId = environmentVersionId
        self.resources = resources
        self.created = created
        self.updated = updated
        self.deleted = deleted
        self.items = items
        self.runtimeParameterDefinitions = runtimeParameterDefinitions
        self.runtimeParameterValues = runtimeParameterValues
        self.lastRun = lastRun
    }

    public func item(withID id: String) -> FileItem? { items.first { $0.id == id } }
    public func item(atPath path: String) -> FileItem? { items.first { $0.filePath == path } }
}
