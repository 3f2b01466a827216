import Foundation
import CJRModel
import CJRStore

/// Turns a create or update body (JSON or multipart) into ``JobChanges``: every field is
/// checked for type and shape here, with an error naming it; unknown fields are refused so
/// a typo never passes silently.
struct JobChangesParser {
    enum Operation {
        case create
        case update
        /// `POST /customJobs/fromGalleryTemplate/`: the template gives the name.
        case fromTemplate

        var allowedFields: Set<String> {
            switch self {
            case .create:
                ["name", "description", "jobType", "environmentId", "environmentVersionId", "resources",
                 "runtimeParameterValues", "file", "filePath"]
            case .fromTemplate:
                ["templateId", "description", "jobType", "environmentId", "environmentVersionId", "resources",
                 "runtimeParameterValues", "file", "filePath"]
            case .update:
                ["name", "description", "entryPoint", "environmentId", "environmentVersionId", "resources",
                 "runtimeParameterValues", "file", "filePath", "filesToDelete"]
            }
        }
    }

    let operation: Operation

    // MARK: JSON

    func parse(json: JSONValue) throws -> JobChanges {
        guard case .object(let object) = json else {
            throw CJRError(.invalidInput, "The request body must be a JSON object, got \(json.typeName).")
        }
        try checkNames(object.keys.sorted())
        if object["file"] != nil || object["filePath"] != nil {
            throw CJRError.invalid("file", "files can only be uploaded as multipart/form-data")
        }
        var changes = JobChanges()
        changes.name = try string(object, "name")
        changes.description = try string(object, "description")
        changes.jobType = try string(object, "jobType").map { try JobType.parse($0) }
        changes.environmentId = try string(object, "environmentId")
        changes.environmentVersionId = try string(object, "environmentVersionId")
        changes.entryPoint = try string(object, "entryPoint")
        if let resources = object["resources"], resources != .null {
            changes.resources = try Self.resources(resources)
        }
        switch object["filesToDelete"] {
        case nil, .null?: break
        case .string(let id)?: changes.filesToDelete = [id]
        case .array(let ids)?:
            changes.filesToDelete = try ids.enumerated().map { index, value in
                guard case .string(let id) = value else { throw CJRError.invalid("filesToDelete[\(index)]", "must be a string") }
                return id
            }
        case let other?: throw CJRError.invalid("filesToDelete", "must be an id or an array of ids, got \(other.typeName)")
        }
        switch object["runtimeParameterValues"] {
        case nil, .null?: break
        case .string(let text)?: changes.runtimeParameterValues = try Self.overrides(text: text)
        case let value?: changes.runtimeParameterValues = try Self.overrides(value)
        }
        return changes
    }

    // MARK: Multipart

    func parse(form: MultipartForm) throws -> JobChanges {
        try checkNames(form.names)
        var changes = JobChanges()
        changes.name = try single(form, "name")
        changes.description = try single(form, "description")
        changes.jobType = try single(form, "jobType").map { try JobType.parse($0) }
        changes.environmentId = try single(form, "environmentId").flatMap(Self.nonEmpty)
        changes.environmentVersionId = try single(form, "environmentVersionId").flatMap(Self.nonEmpty)
        changes.entryPoint = try single(form, "entryPoint").flatMap(Self.nonEmpty)
        if let text = try single(form, "resources") {
            changes.resources = try Self.resources(Self.decodeJSON(text, field: "resources"))
        }
        changes.filesToDelete = try form.values("filesToDelete").flatMap { value -> [String] in
            // Either one id per field or a JSON array of ids in one field.
            guard value.hasPrefix("[") else { return [value] }
            guard case .array(let ids) = try Self.decodeJSON(value, field: "filesToDelete") else { return [] }
            return try ids.map { id in
                guard case .string(let text) = id else { throw CJRError.invalid("filesToDelete", "must hold ids (strings)") }
                return text
            }
        }
        if let text = try single(form, "runtimeParameterValues") {
            changes.runtimeParameterValues = try Self.overrides(text: text)
        }
        changes.uploads = try uploads(form)
        return changes
    }

    /// Pairs the n-th `file` part with the n-th `filePath` field. Without any `filePath`,
    /// each file is stored under its own filename at the job's root.
    private func uploads(_ form: MultipartForm) throws -> [UploadedFile] {
        let paths = form.values("filePath")
        if let stray = form.files.first(where: { $0.fieldName != "file" }) {
            throw CJRError.invalid(stray.fieldName, "file parts must be sent in the 'file' field")
        }
        if !paths.isEmpty && paths.count != form.files.count {
            throw CJRError.invalid("filePath", "got \(form.files.count) file part(s) but \(paths.count) filePath value(s); send one filePath per file, in the same order")
        }
        if paths.count > FieldLimits.itemsPerJob {
            throw CJRError.invalid("filePath", "at most \(FieldLimits.itemsPerJob) files per request")
        }
        return try form.files.enumerated().map { index, file in
            let raw = paths.isEmpty ? (file.filename ?? "") : paths[index]
            let path = try JobFilePath(validating: raw, field: paths.isEmpty ? "file" : "filePath")
            return UploadedFile(path: path, contentHash: file.blob.hash, size: file.blob.size)
        }
    }

    // MARK: Template

    /// `templateId` of a `fromGalleryTemplate` body (the other fields go through `parse`).
    func templateId(json: JSONValue) throws -> String? {
        guard case .object(let object) = json else { return nil } // parse(json:) reports the shape
        return try string(object, "templateId")
    }

    func templateId(form: MultipartForm) throws -> String? {
        try single(form, "templateId")
    }

    // MARK: Shared helpers

    private func checkNames(_ names: [String]) throws {
        for name in names where !operation.allowedFields.contains(name) {
            switch name {
            case "runtimeParameters":
                throw CJRError.invalid(name, "replacing definitions through the API is not supported; declare them in metadata.yaml")
            case "jobType":
                throw CJRError.invalid(name, "cannot be changed after the job is created")
            case "entryPoint":
                throw CJRError.invalid(name, "cannot be set on create; the job's run.sh is the entry point, change it with PATCH")
            default:
                throw CJRError.invalid(name, "unknown field; accepted: \(operation.allowedFields.sorted().joined(separator: ", "))")
            }
        }
    }

    private func string(_ object: [String: JSONValue], _ name: String) throws -> String? {
        switch object[name] {
        case nil, .null?: nil
        case .string(let text)?: text
        case let other?: throw CJRError.invalid(name, "must be a string, got \(other.typeName)")
        }
    }

    private func single(_ form: MultipartForm, _ name: String) throws -> String? {
        let values = form.values(name)
        if values.count > 1 { throw CJRError.invalid(name, "is given \(values.count) times; send it once") }
        return values.first
    }

    private static func nonEmpty(_ text: String) -> String? { text.isEmpty ? nil : text }

    static func decodeJSON(_ text: String, field: String) throws -> JSONValue {
        do {
            return try JSONValue.parse(Data(text.utf8))
        } catch where error.kind == .invalidInput && error.field != nil {
            throw CJRError.invalid(field, "\(error.field ?? "") is given more than once in the same JSON object")
        } catch {
            throw CJRError.invalid(field, "is not valid JSON")
        }
    }

    static func resources(_ value: JSONValue) throws -> CustomJobResources {
        guard case .object(let object) = value else {
            throw CJRError.invalid("resources", "must be an object, got \(value.typeName)")
        }
        for key in object.keys where key != "egressNetworkPolicy" && key != "resourceBundleId" {
            throw CJRError.invalid("resources.\(key)", "unknown field; accepted: egressNetworkPolicy, resourceBundleId")
        }
        var resources = CustomJobResources()
        switch object["egressNetworkPolicy"] {
        case .string(let text)?: resources.egressNetworkPolicy = try EgressNetworkPolicy.parse(text, field: "resources.egressNetworkPolicy")
        case nil: throw CJRError.invalid("resources.egressNetworkPolicy", "is required (none or public)")
        case let other?: throw CJRError.invalid("resources.egressNetworkPolicy", "must be a string, got \(other.typeName)")
        }
        switch object["resourceBundleId"] {
        case nil, .null?: break
        case .string(let text)?: resources.resourceBundleId = text
        case let other?: throw CJRError.invalid("resources.resourceBundleId", "must be a string or null, got \(other.typeName)")
        }
        return resources
    }

    /// `runtimeParameterValues` as the reference sends it on jobs: a JSON array in a string.
    static func overrides(text: String) throws -> [RuntimeParameterOverride] {
        try overrides(decodeJSON(text, field: "runtimeParameterValues"))
    }

    static func overrides(_ value: JSONValue, field: String = "runtimeParameterValues") throws -> [RuntimeParameterOverride] {
        guard case .array(let entries) = value else {
            throw CJRError.invalid(field, "must be an array of {fieldName, type, value}, got \(value.typeName)")
        }
        if entries.count > FieldLimits.runtimeParameterValues {
            throw CJRError.invalid(field, "at most \(FieldLimits.runtimeParameterValues) entries (got \(entries.count))")
        }
        return try entries.enumerated().map { index, entry in
            let here = "\(field)[\(index)]"
            guard case .object(let object) = entry else { throw CJRError.invalid(here, "must be an object") }
            for key in object.keys where !["fieldName", "type", "value"].contains(key) {
                throw CJRError.invalid("\(here).\(key)", "unknown field; accepted: fieldName, type, value")
            }
            guard case .string(let name)? = object["fieldName"] else { throw CJRError.invalid("\(here).fieldName", "is required (a string)") }
            guard case .string(let typeName)? = object["type"] else { throw CJRError.invalid("\(here).type", "is required (a string)") }
            let type = try RuntimeParameterType.parse(typeName, field: "\(here).type")
            let parsed: RuntimeParameterValue?
            switch object["value"] {
            case nil: throw CJRError.invalid("\(here).value", "is required (use null to unset)")
            case .null?: parsed = nil
            case .string(let text)?: parsed = .string(text)
            case .number(let number)?: parsed = .numeric(number)
            case .bool(let flag)?: parsed = .boolean(flag)
            case let other?: throw CJRError.invalid("\(here).value", "must be a string, number, boolean or null, got \(other.typeName)")
            }
            return RuntimeParameterOverride(fieldName: name, type: type, value: parsed)
        }
    }
}
