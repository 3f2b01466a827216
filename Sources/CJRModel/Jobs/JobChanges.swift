/// What a create or update request asks to change on a job, already checked for shape.
/// Fields left nil keep their current value (or take the default on create). Checks that
/// need the stored job (ids that must belong to it, the item count) happen in the store,
/// inside the write transaction.
public struct JobChanges: Sendable, Equatable {
    public var name: String?
    public var description: String?
    public var jobType: JobType?
    public var environmentId: String?
    public var environmentVersionId: String?
    public var resources: CustomJobResources?
    /// Item id of the new entry point.
    public var entryPoint: String?
    /// Files to add; one at a path the job already has replaces it.
    public var uploads: [UploadedFile]
    /// Item ids to remove.
    public var filesToDelete: [String]
    public var runtimeParameterValues: [RuntimeParameterOverride]?

    public init(name: String? = nil, description: String? = nil, jobType: JobType? = nil,
                environmentId: String? = nil, environmentVersionId: String? = nil,
                resources: CustomJobResources? = nil, entryPoint: String? = nil,
                uploads: [UploadedFile] = [], filesToDelete: [String] = [],
                runtimeParameterValues: [RuntimeParameterOverride]? = nil) {
        self.name = name
        self.description = description
        self.jobType = jobType
        self.environmentId = environmentId
        self.environmentVersionId = environmentVersionId
        self.resources = resources
        self.entryPoint = entryPoint
        self.uploads = uploads
        self.filesToDelete = filesToDelete
        self.runtimeParameterValues = runtimeParameterValues
    }
}

extension JobChanges {
    /// Whether applying these changes to `job` would change anything: a field set to
    /// another value, a file added, replaced or deleted, parameter values given. (An
    /// environment without a version means "its latest": say which to compare it.)
    public func wouldChange(_ job: CustomJob) -> Bool {
        func differs<Value: Equatable>(_ change: Value?, _ current: Value?) -> Bool { change.map { $0 != current } ?? false }
        guard !differs(name, job.name), !differs(description, job.description), !differs(jobType, job.jobType),
              !differs(environmentId, job.environmentId), !differs(resources, job.resources), !differs(entryPoint, job.entryPoint),
              environmentId == nil || environmentVersionId != nil, !differs(environmentVersionId, job.environmentVersionId),
              filesToDelete.isEmpty, runtimeParameterValues == nil else { return true }
        let stored = Dictionary(job.items.map { ($0.filePath, $0.contentHash) }, uniquingKeysWith: { first, _ in first })
        return uploads.contains { stored[$0.path.value] != $0.contentHash }
    }
}

/// A file received from a client and already written to the blob store.
public struct UploadedFile: Sendable, Equatable {
    public var path: JobFilePath
    public var contentHash: String
    public var size: Int64

    public init(path: JobFilePath, contentHash: String, size: Int64) {
        self.path = path
        self.contentHash = contentHash
        self.size = size
    }
}

/// The list filters of `GET /customJobs/`.
public struct JobFilter: Sendable, Equatable {
    /// Case-insensitive substring of the name or the description.
    public var search: String?
    /// Only these job types; empty means all.
    public var jobTypes: Set<JobType>
    /// Only jobs with a run that has not ended.
    public var onlyRunning: Bool

    public init(search: String? = nil, jobTypes: Set<JobType> = [], onlyRunning: Bool = false) {
        self.search = search
        self.jobTypes = jobTypes
        self.onlyRunning = onlyRunning
    }
}
