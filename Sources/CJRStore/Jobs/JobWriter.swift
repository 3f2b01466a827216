import Foundation
import GRDB
import CJRModel
import CJRParameters

/// Applies a ``JobChanges`` to one job row inside an open write transaction. Every rule
/// that needs the stored state lives here; a thrown error rolls the whole request back.
struct JobWriter {
    let db: Database
    let now: Int64
    let blobs: BlobStore
    let bundles: ResourceBundles
    /// Who makes the change: credentials it sets must be theirs.
    let userId: String

    func apply(_ changes: JobChanges, to row: inout JobRow, isNew: Bool) throws {
        if let name = changes.name {
            try FieldLimits.validateName(name)
            row.name = name
        }
        if let description = changes.description {
            try FieldLimits.validateDescription(description)
            row.description = description
        }
        if let jobType = changes.jobType { row.jobType = jobType.rawValue }
        if let resources = changes.resources {
            try bundles.validate(resources.resourceBundleId)
            row.egressNetworkPolicy = resources.egressNetworkPolicy.rawValue
            row.resourceBundleId = resources.resourceBundleId
        }
        if isNew || changes.environmentId != nil || changes.environmentVersionId != nil {
            let (environment, version) = try EnvironmentResolver(db: db)
                .resolve(environmentId: changes.environmentId, versionId: changes.environmentVersionId)
            row.environmentId = environment
            row.environmentVersionId = version
        }
        row.updated = now
        if isNew { try row.insert(db) } else { try row.update(db) }

        let metadataBefore = try metadataHash(jobId: row.id)
        try applyFiles(changes, to: &row)
        let metadataAfter = try metadataHash(jobId: row.id)
        if metadataAfter != metadataBefore {
            try replaceDefinitions(jobId: row.id, metadataHash: metadataAfter)
        }
        if let overrides = changes.runtimeParameterValues {
            try applyParameterValues(overrides, jobId: row.id)
        }
        try row.update(db)
    }

    private func applyFiles(_ changes: JobChanges, to row: inout JobRow) throws {
        if changes.filesToDelete.count > FieldLimits.filesToDeletePerRequest {
            throw CJRError.invalid("filesToDelete", "at most \(FieldLimits.filesToDeletePerRequest) ids per request (got \(changes.filesToDelete.count))")
        }
        var items = Dictionary(uniqueKeysWithValues: try JobItemRow.filter(Column("jobId") == row.id).fetchAll(db).map { ($0.filePath, $0) })
        // The entry point is tracked by path, so it follows a file replaced by a re-upload.
        var entryPath = items.values.first { $0.id == row.entryPoint }?.filePath
        for id in changes.filesToDelete {
            guard let item = items.values.first(where: { $0.id == id }) else {
                throw CJRError.invalid("filesToDelete", "'\(id)' is not a file item of custom job \(row.id)")
            }
            items[item.filePath] = nil
            try item.delete(db)
        }
        var seen = Set<JobFilePath>()
        for upload in changes.uploads {
            guard seen.insert(upload.path).inserted else {
                throw CJRError.invalid("filePath", "'\(upload.path)' is given more than once")
            }
            if let replaced = items[upload.path.value] { try replaced.delete(db) }
            try db.execute(sql: "INSERT OR IGNORE INTO blob (hash, size) VALUES (?, ?)",
                           arguments: [upload.contentHash, upload.size])
            let item = JobItemRow(id: ObjectID.make(), jobId: row.id, filePath: upload.path.value,
                                  fileName: upload.path.fileName, fileSource: "local", blobHash: upload.contentHash,
                                  size: upload.size, created: now)
            try item.insert(db)
            items[item.filePath] = item
        }
        try Self.checkTree(items.keys)
        if items.count > FieldLimits.itemsPerJob {
            throw CJRError.invalid("file", "a custom job holds at most \(FieldLimits.itemsPerJob) files (this request would leave \(items.count))")
        }
        if let entryPoint = changes.entryPoint {
            guard let item = items.values.first(where: { $0.id == entryPoint }) else {
                throw CJRError.invalid("entryPoint", "'\(entryPoint)' is not a file item of custom job \(row.id)")
            }
            entryPath = item.filePath
        }
        // `run.sh` is the conventional entry point of a job that names none.
        row.entryPoint = (entryPath.flatMap { items[$0] } ?? items["run.sh"])?.id
        if !changes.filesToDelete.isEmpty || !changes.uploads.isEmpty {
            try RunStore.dropUnreferencedBlobs(db)
        }
    }

    /// A job's files must make a tree that can exist on disk: no path may be both a file
    /// and a folder of other files (`a` and `a/b`).
    static func checkTree(_ paths: some Collection<String>) throws {
        let files = Set(paths)
        for path in paths.sorted() {
            var folder = Substring(path)
            while let slash = folder.lastIndex(of: "/") {
                folder = folder[..<slash]
                if files.contains(String(folder)) {
                    throw CJRError.invalid("filePath", "'\(folder)' is a file, so '\(path)' cannot lie in a folder of that name")
                }
            }
        }
    }

    /// The content hash of the job's `metadata.yaml`, if it has one.
    private func metadataHash(jobId: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT blobHash FROM jobItem WHERE jobId = ? AND filePath = ?",
                            arguments: [jobId, MetadataParser.fileName])
    }

    /// Re-reads the definitions after `metadata.yaml` was added, replaced or removed. An
    /// invalid file fails the whole request (the job keeps its previous files). Job-level
    /// values that no longer fit a definition are dropped.
    private func replaceDefinitions(jobId: String, metadataHash: String?) throws {
        var definitions: [RuntimeParameterDefinition] = []
        if let metadataHash {
            let data = try Data(contentsOf: URL(fileURLWithPath: blobs.path(forHash: metadataHash)))
            guard let text = String(validating: data, as: UTF8.self) else {
                throw CJRError.invalid(MetadataParser.fileName, "is not UTF-8 text")
            }
            definitions = try MetadataParser.definitions(fromYAML: text)
        }
        try db.execute(sql: "DELETE FROM runtimeParameterDefinition WHERE jobId = ?", arguments: [jobId])
        for (position, definition) in definitions.enumerated() {
            try db.execute(sql: "INSERT INTO runtimeParameterDefinition (jobId, position, fieldName, definition) VALUES (?, ?, ?, ?)",
                           arguments: [jobId, position, definition.fieldName, try storedJSON(definition)])
        }
        for row in try Row.fetchAll(db, sql: "SELECT fieldName, value FROM runtimeParameterValue WHERE jobId = ?", arguments: [jobId]) {
            let name: String = row["fieldName"]
            let value = try decodeStoredJSON(RuntimeParameterValue.self, row["value"])
            let fits = definitions.first { $0.fieldName == name }.map { (try? $0.validate(value, field: name)) != nil } ?? false
            if !fits {
                try db.execute(sql: "DELETE FROM runtimeParameterValue WHERE jobId = ? AND fieldName = ?", arguments: [jobId, name])
            }
        }
    }

    private func applyParameterValues(_ overrides: [RuntimeParameterOverride], jobId: String) throws {
        let field = "runtimeParameterValues"
        if overrides.count > FieldLimits.runtimeParameterValues {
            throw CJRError.invalid(field, "at most \(FieldLimits.runtimeParameterValues) entries (got \(overrides.count))")
        }
        let definitions = try String.fetchAll(db, sql: "SELECT definition FROM runtimeParameterDefinition WHERE jobId = ? ORDER BY position",
                                              arguments: [jobId])
            .map { try decodeStoredJSON(RuntimeParameterDefinition.self, $0) }
        var current: [String: RuntimeParameterValue] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT fieldName, value FROM runtimeParameterValue WHERE jobId = ?", arguments: [jobId]) {
            current[row["fieldName"]] = try decodeStoredJSON(RuntimeParameterValue.self, row["value"])
        }
        let merged = try definitions.merging(overrides, into: current, field: field)
        try CredentialCheck(db: db, userId: userId)
            .check(merged, definitions: definitions, field: field, settingNow: Set(overrides.map(\.fieldName)))
        try db.execute(sql: "DELETE FROM runtimeParameterValue WHERE jobId = ?", arguments: [jobId])
        for (name, value) in merged {
            try db.execute(sql: "INSERT INTO runtimeParameterValue (jobId, fieldName, value) VALUES (?, ?, ?)",
                           arguments: [jobId, name, try storedJSON(value)])
        }
    }
}
