import Foundation
import Hummingbird
import Logging
import CJRModel
import CJRStore

/// The template gallery: `GET /customJobTemplates/` lists it, and
/// `POST /customJobs/fromGalleryTemplate/` creates a job from one template, with the
/// reference's fields (JSON or multipart; extra files go on top of the template's).
struct TemplateRoutes {
    let store: RunStore
    let configuration: APIConfiguration

    func register(on router: RouterGroup<APIRequestContext>) {
        router.get("customJobTemplates", use: list)
        router.get("customJobTemplates/:templateId", use: show)
        router.post("customJobs/fromGalleryTemplate", use: create)
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
}
