import GRDB
import CJRModel

/// Applies a ``JobChanges`` to one job row inside an open write transaction. Every rule
/// that needs the stored state lives here; a thrown error rolls the whole request back.
struct JobWriter {
    let db: Database
    let now: Int64

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
            if let bundle = resources.resourceBundleId, !ResourceBundle.builtIn.contains(where: { $0.id == bundle }) {
                throw CJRError.invalid("resources.resourceBundleId",
                    "unknown resource bundle '\(bundle)'; known: \(ResourceBundle.builtIn.map(\.id).joined(separator: ", "))")
            }
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

        try applyFiles(changes, to: &row)
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
        try db.execute(sql: "DELETE FROM runtimeParameterValue WHERE jobId = ?", arguments: [jobId])
        for (name, value) in merged {
            try db.execute(sql: "INSERT INTO runtimeParameterValue (jobId, fieldName, value) VALUES (?, ?, ?)",
                           arguments: [jobId, name, try storedJSON(value)])
        }
    }
}
