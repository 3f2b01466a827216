import Foundation
import Hummingbird
import Logging
import CJRModel
import CJRStore

/// The template gallery: `GET /customJobTemplates/` lists it, and
/// `POST /customJobs/fromGalleryTemplate/` creates a job from one template, with the
/// reference's fields (JSON or multipart; extra files go on top of the template's).
/// `POST /customJobs/fromHostedCustomMetricGalleryTemplate/` is the official client's
/// `Job.create_from_custom_metric_gallery_template`: a `hostedCustomMetric` job from one of
/// the gallery's templates of that type.
struct TemplateRoutes {
    let store: RunStore
    let configuration: APIConfiguration

    func register(on router: RouterGroup<APIRequestContext>) {
        router.get("customJobTemplates", use: list)
        router.get("customJobTemplates/:templateId", use: show)
        router.post("customJobs/fromGalleryTemplate", use: create)
        router.post("customJobs/fromHostedCustomMetricGalleryTemplate", use: createHostedCustomMetric)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let page = Page(slicing: configuration.gallery.templates, request: try request.pageRequest)
        return try JSONResponse.make(ListPayload(page: page, request: request, transform: TemplatePayload.init))
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try context.parameters.require("templateId")
        guard let template = configuration.gallery.templates.first(where: { $0.id == id }) else {
            throw CJRError.notFound("Custom job template \(id) not found.")
        }
        return try JSONResponse.make(TemplatePayload(template))
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> Response {
        let parser = JobChangesParser(operation: .fromTemplate)
        let (templateId, requested): (String?, JobChanges)
        switch try await request.jobBody(blobs: store.blobs, maxBytes: configuration.maxUploadBytes, maxJSONBytes: configuration.maxJSONBytes) {
        case .json(let json): (templateId, requested) = (try parser.templateId(json: json), try parser.parse(json: json))
        case .form(let form): (templateId, requested) = (try parser.templateId(form: form), try parser.parse(form: form))
        case .empty: (templateId, requested) = (nil, JobChanges())
        }
        guard let templateId else { throw CJRError.invalid("templateId", "is required") }
        let gallery = configuration.gallery
        let template = try gallery.template(id: templateId)
        let changes = try gallery.jobChanges(from: template, request: requested, blobs: store.blobs)
        let job = try await store.createJob(changes, ownerId: try context.requireUser.id)
        context.logger.info("custom job created from template", metadata: ["job": "\(job.id)", "template": "\(template.id)"])
        return try JSONResponse.make(JobPayload(job), status: .created)
    }

    /// JSON `{templateId, name, description?, sidecarDeploymentId?}`, as the client sends it.
    /// The job takes the name given; `sidecarDeploymentId` becomes the value of the
    /// template's `deployment` parameter, so it is refused for a template without exactly one.
    @Sendable func createHostedCustomMetric(_ request: Request, context: APIRequestContext) async throws -> Response {
        let fields = ["templateId", "name", "description", "sidecarDeploymentId"]
        let example = "{\"templateId\": \"hosted-custom-metric\", \"name\": \"Latency\"}"
        guard let object = try await request.jsonObject(maxBytes: configuration.maxJSONBytes, example: example) else {
            throw CJRError.invalid("templateId", "a JSON body is required: \(example)")
        }
        var text: [String: String] = [:]
        for (key, value) in object.sorted(by: { $0.key < $1.key }) {
            guard fields.contains(key) else {
                throw CJRError.invalid(key, "unknown field\(Suggestion.phrase(for: key, among: fields)); accepted: \(fields.joined(separator: ", "))")
            }
            switch value {
            case .null: continue
            case .string(let string): text[key] = string
            default: throw CJRError.invalid(key, "must be a string, got \(value.typeName)")
            }
        }
        guard let templateId = text["templateId"] else { throw CJRError.invalid("templateId", "is required") }
        guard let name = text["name"] else { throw CJRError.invalid("name", "is required") }
        try FieldLimits.validateName(name)
        if let description = text["description"] { try FieldLimits.validateDescription(description) }
        let gallery = configuration.gallery
        let template = try gallery.template(id: templateId)
        guard template.jobType == .hostedCustomMetric else {
            let metrics = gallery.templates.filter { $0.jobType == .hostedCustomMetric }.map(\.id)
            throw CJRError.invalid("templateId", "'\(templateId)' is a \(template.jobType.rawValue) template, not a hosted custom metric one "
                                   + "(those: \(metrics.isEmpty ? "none" : metrics.joined(separator: ", ")))")
        }
        var requested = JobChanges(description: text["description"])
        if let deployment = text["sidecarDeploymentId"] {
            let slots = template.runtimeParameterDefinitions.filter { $0.type == .deployment }
            guard slots.count == 1 else {
                throw CJRError.invalid("sidecarDeploymentId", "template '\(templateId)' declares \(slots.count) deployment parameters; "
                                       + "it takes a sidecar deployment only when it declares exactly one")
            }
            requested.runtimeParameterValues = [RuntimeParameterOverride(fieldName: slots[0].fieldName, type: .deployment, value: .string(deployment))]
        }
        var changes = try gallery.jobChanges(from: template, request: requested, blobs: store.blobs)
        changes.name = name
        let job = try await store.createJob(changes, ownerId: try context.requireUser.id)
        context.logger.info("hosted custom metric job created from template", metadata: ["job": "\(job.id)", "template": "\(template.id)"])
        return try JSONResponse.make(JobPayload(job), status: .created)
    }
}
