import Foundation
import Hummingbird
import CJRModel

/// `WorkspaceItemResponse`.
struct ItemPayload: Encodable, Sendable {
    var id: String
    var fileName: String
    var filePath: String
    var fileSource: String
    var created: String
    // Set only for files pulled from repositories, which cjr does not do.
    @ExplicitNull var commitSha: String?
    @ExplicitNull var ref: String?
    @ExplicitNull var repositoryFilePath: String?
    @ExplicitNull var repositoryLocation: String?
    @ExplicitNull var repositoryName: String?

    init(_ item: FileItem) {
        id = item.id
        fileName = item.fileName
        filePath = item.filePath
        fileSource = item.fileSource
        created = item.created.iso8601
    }
}

/// `CustomJobResources`.
struct ResourcesPayload: Encodable, Sendable {
    var egressNetworkPolicy: String
    @ExplicitNull var resourceBundleId: String?

    init(_ resources: CustomJobResources) {
        egressNetworkPolicy = resources.egressNetworkPolicy.rawValue
        resourceBundleId = resources.resourceBundleId
    }
}

/// `RuntimeParameterUnified`: a definition with its default, override and current value.
/// The three values are left out when absent: the reference types them as non-nullable.
struct RuntimeParameterPayload: Encodable, Sendable {
    var fieldName: String
    var type: String
    var allowEmpty: Bool
    @ExplicitNull var credentialType: String?
    @ExplicitNull var description: String?
    @ExplicitNull var minValue: Double?
    @ExplicitNull var maxValue: Double?
    var defaultValue: RuntimeParameterValue?
    var overrideValue: RuntimeParameterValue?
    var currentValue: RuntimeParameterValue?

    init(_ definition: RuntimeParameterDefinition, override: RuntimeParameterValue?) {
        fieldName = definition.fieldName
        type = definition.type.rawValue
        allowEmpty = definition.allowEmpty
        credentialType = definition.credentialType?.rawValue
        description = definition.description
        minValue = definition.minValue
        maxValue = definition.maxValue
        defaultValue = definition.defaultValue
        overrideValue = override
        currentValue = override ?? definition.defaultValue
    }
}

/// `CustomJobResponse`.
struct JobPayload: Encodable, Sendable {
    var id: String
    var name: String
    var description: String
    var jobType: String
    var created: String
    var updated: String
    @ExplicitNull var entryPoint: String?
    @ExplicitNull var environmentId: String?
    @ExplicitNull var environmentVersionId: String?
    @ExplicitNull var lastRun: String?
    var items: [ItemPayload]
    var resources: ResourcesPayload
    var runtimeParameters: [RuntimeParameterPayload]

    init(_ job: CustomJob) {
        id = job.id
        name = job.name
        description = job.description
        jobType = job.jobType.rawValue
        created = job.created.iso8601
        updated = job.updated.iso8601
        entryPoint = job.entryPoint
        environmentId = job.environmentId
        environmentVersionId = job.environmentVersionId
        lastRun = job.lastRun
        items = job.items.map(ItemPayload.init)
        resources = ResourcesPayload(job.resources)
        runtimeParameters = job.runtimeParameterDefinitions.map {
            RuntimeParameterPayload($0, override: job.runtimeParameterValues[$0.fieldName])
        }
    }
}

/// `CustomJobFileResponse`.
struct FileContentPayload: Encodable, Sendable {
    var id: String
    var fileName: String
    var filePath: String
    var content: String

    /// The item's text, or the reference's 422 for content that is not UTF-8 (such files
    /// are stored and used as they are; only this view needs text).
    static func response(item: FileItem, data: Data) throws -> Response {
        guard let content = String(validating: data, as: UTF8.self) else {
            throw CJRError(.invalidInput, "File is not utf-8 encoded: \(item.filePath) is binary; it is stored and used as is.")
        }
        return try JSONResponse.make(FileContentPayload(id: item.id, fileName: item.fileName, filePath: item.filePath, content: content))
    }
}

/// `CustomJobLimitsResponse`.
struct LimitsPayload: Encodable, Sendable {
    var maxCustomJobRuns: Int
    var maxCustomJobTimeout: Int
}

/// `GET /version/`.
struct VersionPayload: Encodable, Sendable {
    var major: Int
    var minor: Int
    var versionString: String
    /// cjr's own version, for people reading the answer.
    var cjrVersion: String
}
