import CJRModel

/// One template of `GET /customJobTemplates/` (a cjr endpoint; the platform's gallery
/// listing is not part of the public reference).
struct TemplatePayload: Encodable, Sendable {
    var id: String
    var name: String
    var description: String
    var jobType: String
    var resources: ResourcesPayload
    /// The folder's files; a job created from the template gets all of them.
    var filePaths: [String]
    /// What the template's `metadata.yaml` declares, in the jobs' unified shape.
    var runtimeParameters: [RuntimeParameterPayload]

    init(_ template: JobTemplate) {
        id = template.id
        name = template.name
        description = template.description
        jobType = template.jobType.rawValue
        resources = ResourcesPayload(template.resources)
        filePaths = template.filePaths
        runtimeParameters = template.runtimeParameterDefinitions.map { RuntimeParameterPayload($0, override: nil) }
    }
}
