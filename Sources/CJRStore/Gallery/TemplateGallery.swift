import Foundation
import Yams
import CJRModel
import CJRParameters

/// The template gallery: job folders under one directory, listed in its `gallery.yaml`.
/// The repository's `examples/` is the built-in gallery.
///
/// ```yaml
/// templates:
///   - id: hello-world            # a folder next to gallery.yaml
///     name: Hello world
///     description: …
///     jobType: default           # optional
///     egressNetworkPolicy: public  # optional
///     resourceBundleId: cpu.small  # optional
/// ```
public struct TemplateGallery: Sendable {
    public static let indexName = "gallery.yaml"

    public let directory: URL
    public let templates: [JobTemplate]

    /// An empty gallery.
    public init() {
        directory = URL(fileURLWithPath: "/nonexistent")
        templates = []
    }

    /// Reads and checks `directory/gallery.yaml`; every problem names the entry and field.
    public init(directory: URL, resourceBundles: ResourceBundles = .builtIn) throws {
        self.directory = directory.standardizedFileURL
        let index = directory.appendingPathComponent(Self.indexName)
        let text: String
        do {
            text = try String(contentsOf: index, encoding: .utf8)
        } catch {
            throw CJRError.invalid("gallery", "\(index.path) cannot be read: \(error.localizedDescription)")
        }
        let entries: [Entry]
        do {
            entries = try YAMLDecoder().decode(Index.self, from: text).templates
        } catch {
            throw CJRError.invalid("gallery", "\(index.path) is not a valid gallery: \(error)")
        }
        var seen = Set<String>()
        templates = try entries.enumerated().map { position, entry in
            let field = "\(Self.indexName) templates[\(position)]"
            guard seen.insert(entry.id).inserted else { throw CJRError.invalid(field, "id '\(entry.id)' is listed twice") }
            try FieldLimits.validateName(entry.name, field: "\(field).name")
            try FieldLimits.validateDescription(entry.description ?? "", field: "\(field).description")
            try resourceBundles.validate(entry.resourceBundleId, field: "\(field).resourceBundleId")
            let folder = JobFolder(root: directory.appendingPathComponent(entry.id, isDirectory: true))
            guard !entry.id.contains("/"), !entry.id.hasPrefix("."),
                  let paths = try? folder.filePaths(), !paths.isEmpty else {
                throw CJRError.invalid(field, "id '\(entry.id)' must name a non-empty folder next to \(Self.indexName)")
            }
            return JobTemplate(
                id: entry.id, name: entry.name, description: entry.description ?? "",
                jobType: try entry.jobType.map { try JobType.parse($0, field: "\(field).jobType") } ?? .default,
                resources: CustomJobResources(
                    egressNetworkPolicy: try entry.egressNetworkPolicy.map {
                        try EgressNetworkPolicy.parse($0, field: "\(field).egressNetworkPolicy")
                    } ?? CustomJobResources.defaultEgress,
                    resourceBundleId: entry.resourceBundleId),
                filePaths: paths,
                runtimeParameterDefinitions: try Self.definitions(in: folder, field: field))
        }
    }

    /// The template with this id, else a 422 naming `field`.
    public func template(id: String, field: String = "templateId") throws(CJRError) -> JobTemplate {
        guard let template = templates.first(where: { $0.id == id }) else {
            let known = templates.map(\.id)
            throw .invalid(field, "'\(id)' is not a template of this server's gallery (known: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
        }
        return template
    }

    /// What creating a job from `template` changes: its name, type, resources and files,
    /// with `request` on top (a file the request uploads replaces the template's at that path).
    public func jobChanges(from template: JobTemplate, request: JobChanges, blobs: BlobStore) throws -> JobChanges {
        var changes = request
        changes.name = template.name
        if changes.description == nil { changes.description = template.description }
        if changes.jobType == nil { changes.jobType = template.jobType }
        if changes.resources == nil { changes.resources = template.resources }
        let uploaded = Set(request.uploads.map(\.path.value))
        let folder = JobFolder(root: directory.appendingPathComponent(template.id, isDirectory: true))
        changes.uploads = try folder.upload(to: blobs, skipping: uploaded) + request.uploads
        return changes
    }

    /// The template's `metadata.yaml` definitions; an invalid file makes the gallery invalid.
    private static func definitions(in folder: JobFolder, field: String) throws -> [RuntimeParameterDefinition] {
        let metadata = folder.root.appendingPathComponent(MetadataParser.fileName)
        guard let text = try? String(contentsOf: metadata, encoding: .utf8) else { return [] }
        do {
            return try MetadataParser.definitions(fromYAML: text)
        } catch {
            throw CJRError.invalid(field, error.message)
        }
    }

    private struct Index: Decodable {
        var templates: [Entry]
    }

    private struct Entry: Decodable {
        var id: String
        var name: String
        var description: String?
        var jobType: String?
        var egressNetworkPolicy: String?
        var resourceBundleId: String?
    }
}
