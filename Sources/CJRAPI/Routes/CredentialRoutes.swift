import Foundation
import Hummingbird
import Logging
import CJRModel
import CJRStore

/// `/credentials/`: the local credential store for `credential` runtime parameters. Secret
/// values go in and never come out through the API (nor into the server's log). Each
/// credential is its creator's alone: other users neither see nor use it.
struct CredentialRoutes {
    let store: RunStore
    let configuration: APIConfiguration

    func register(on router: RouterGroup<APIRequestContext>) {
        router.get("credentials", use: list)
        router.post("credentials", use: create)
        router.get("credentials/:credentialId", use: show)
        router.delete("credentials/:credentialId", use: delete)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let page = try await store.credentials(ownerId: try context.requireUser.id, page: try request.pageRequest)
        return try JSONResponse.make(ListPayload(page: page, request: request, transform: CredentialPayload.init))
    }

    /// JSON `{name, credentialType, description?, <the type's fields>…}`.
    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard case .json(.object(let object)) = try await request.jobBody(blobs: store.blobs, maxBytes: configuration.maxJSONBytes, maxJSONBytes: configuration.maxJSONBytes) else {
            throw CJRError(.invalidInput, "Send the credential as a JSON object: {name, credentialType, …fields}.")
        }
        var fields: [String: String] = [:]
        var name: String?
        var typeName: String?
        var description = ""
        for (key, value) in object {
            guard case .string(let text) = value else {
                if value == .null { continue }
                throw CJRError.invalid(key, "must be a string, got \(value.typeName)")
            }
            switch key {
            case "name": name = text
            case "credentialType": typeName = text
            case "description": description = text
            default: fields[key] = text
            }
        }
        guard let name else { throw CJRError.invalid("name", "is required") }
        guard let typeName else { throw CJRError.invalid("credentialType", "is required") }
        guard let type = CredentialType(rawValue: typeName) else {
            throw CJRError.invalid("credentialType", "'\(typeName)' is not one of \(CredentialType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let credential = try await store.createCredential(name: name, type: type, description: description, fields: fields,
                                                          ownerId: try context.requireUser.id)
        context.logger.info("credential created", metadata: ["credential": "\(credential.id)", "type": "\(type.rawValue)"])
        return try JSONResponse.make(CredentialPayload(credential), status: .created)
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> Response {
        try JSONResponse.make(CredentialPayload(try await store.credential(id: try context.parameters.require("credentialId"),
                                                                           ownerId: try context.requireUser.id)))
    }

    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await store.deleteCredential(id: try context.parameters.require("credentialId"), ownerId: try context.requireUser.id)
        return Response(status: .noContent)
    }
}
