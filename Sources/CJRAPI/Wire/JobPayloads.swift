import Foundation
import Hummingbird
import CJRModel
import CJRStore

/// `WorkspaceItemResponse`. `commitSha`, `ref` and the `repository…` fields are set only
/// for files pulled from repositories, which cjr does not do.
///
/// The payloads of runs and jobs declare their members in key order: the API's encoder
/// then writes them where they fall instead of sorting each object (see `SortedJSONEncoder`).
struct ItemPayload: Encodable, Sendable {
    @ExplicitNull var commitSha: String?
    var created: String
    var fileName: String
    var filePath: String
    var fileSource: String
    var id: String
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

extension ItemPayload {
    /// What its `Encodable` conformance writes (``JSONObjectWriter``).
    func writeJSON(into sink: JSONSink) {
        var object = JSONObjectWriter(into: sink, at: .root)
        object.string("commitSha", orNull: commitSha)
        object.string("created", created)
        object.string("fileName", fileName)
        object.string("filePath", filePath)
        object.string("fileSource", fileSource)
        object.string("id", id)
        object.string("ref", orNull: ref)
        object.string("repositoryFilePath", orNull: repositoryFilePath)
        object.string("repositoryLocation", orNull: repositoryLocation)
        object.string("repositoryName", orNull: repositoryName)
        object.end()
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

    /// What its `Encodable` conformance writes (``JSONObjectWriter``).
    func writeJSON(into sink: JSONSink) {
        var object = JSONObjectWriter(into: sink, at: .root)
        object.string("egressNetworkPolicy", egressNetworkPolicy)
        object.string("resourceBundleId", orNull: resourceBundleId)
        object.end()
    }
}

/// `RuntimeParameterUnified`: a definition with its default, override and current value.
/// The three values are left out when absent: the reference types them as non-nullable.
struct RuntimeParameterPayload: Encodable, Sendable {
    var allowEmpty: Bool
    @ExplicitNull var credentialType: String?
    var currentValue: RuntimeParameterValue?
    var defaultValue: RuntimeParameterValue?
    @ExplicitNull var description: String?
    var fieldName: String
    @ExplicitNull var maxValue: Double?
    @ExplicitNull var minValue: Double?
    var overrideValue: RuntimeParameterValue?
    var type: String

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
    var created: String
    var description: String
    @ExplicitNull var entryPoint: String?
    @ExplicitNull var environmentId: String?
    @ExplicitNull var environmentVersionId: String?
    var id: String
    var items: [ItemPayload]
    var jobType: String
    @ExplicitNull var lastRun: String?
    var name: String
    var resources: ResourcesPayload
    var runtimeParameters: [RuntimeParameterPayload]
    var updated: String

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

extension JobPayload {
    /// What its `Encodable` conformance writes, member by member (``JSONObjectWriter``):
    /// a page of jobs holds 100.
    func writeJSON(into sink: JSONSink, at path: JSONPath) throws {
        var object = JSONObjectWriter(into: sink, at: path)
        object.string("created", created)
        object.string("description", description)
        object.string("entryPoint", orNull: entryPoint)
        object.string("environmentId", orNull: environmentId)
        object.string("environmentVersionId", orNull: environmentVersionId)
        object.string("id", id)
        object.array("items", items) { item, sink in item.writeJSON(into: sink) }
        object.string("jobType", jobType)
        object.string("lastRun", orNull: lastRun)
        object.string("name", name)
        object.member("resources") { resources.writeJSON(into: $0) }
        try object.values("runtimeParameters", runtimeParameters)
        object.string("updated", updated)
        object.end()
    }
}

/// `CustomJobFileResponse`.
struct FileContentPayload: Encodable, Sendable {
    var id: String
    var fileName: String
    var filePath: String
    var content: String

    /// The item's text as `{content, fileName, filePath, id}`, or the reference's 422 for
    /// content that is not UTF-8 (such files are stored and used as they are; only this
    /// view needs text). Served from disk in two passes, so a large file never sits in
    /// memory: the first checks the blob's hash and that it is UTF-8, the second streams
    /// it JSON-escaped, as JSONEncoder would have written it.
    static func response(item: FileItem, blobs: BlobStore) throws -> Response {
        var utf8 = UTF8Check()
        try blobs.verify(hash: item.contentHash) { utf8.feed($0) }
        guard utf8.isComplete else {
            throw CJRError(.invalidInput, "File is not utf-8 encoded: \(item.filePath) is binary; it is stored and used as is.")
        }
        let path = blobs.path(forHash: item.contentHash)
        let rest = try JSONResponse.encode(["fileName": item.fileName, "filePath": item.filePath, "id": item.id])
        let tail = ByteBuffer(bytes: Array(#"","#.utf8) + rest.dropFirst()) // `","fileName":…}`
        let headers: HTTPFields = [.contentType: JSONResponse.contentType]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await writer.write(ByteBuffer(string: #"{"content":""#))
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            while let piece = try handle.read(upToCount: 1 << 16), !piece.isEmpty {
                try await writer.write(ByteBuffer(bytes: JSONEscape.escaped(piece)))
            }
            try await writer.write(tail)
            try await writer.finish(nil)
        })
    }
}

/// Checks UTF-8 piece by piece: a character split between pieces is carried over.
struct UTF8Check {
    private var carry: [UInt8] = []
    private(set) var isValid = true

    mutating func feed(_ piece: UnsafeRawBufferPointer) {
        guard isValid else { return }
        var bytes = carry + piece
        // Hold back an incomplete character at the end (at most 3 bytes of one).
        var keep = 0
        for back in 1...min(3, bytes.count) {
            let byte = bytes[bytes.count - back]
            if byte & 0xC0 == 0x80 { continue } // continuation: look further back
            let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
            if length > back { keep = back }
            break
        }
        carry = Array(bytes.suffix(keep))
        bytes.removeLast(keep)
        if String(validating: bytes, as: UTF8.self) == nil { isValid = false }
    }

    /// Whether everything fed was UTF-8, with nothing left incomplete.
    var isComplete: Bool { isValid && carry.isEmpty }
}

/// `CustomJobLimitsResponse`.
struct LimitsPayload: Encodable, Sendable {
    var maxCustomJobRuns: Int
    var maxCustomJobTimeout: Int
    /// cjr's own: runs of one user executing at once (null: only the machine's limit).
    @ExplicitNull var maxCustomJobRunsPerUser: Int?
}

/// `GET /version/`.
struct VersionPayload: Encodable, Sendable {
    var major: Int
    var minor: Int
    var versionString: String
    /// cjr's own version, for people reading the answer.
    var cjrVersion: String
}
