import Hummingbird
import Logging
import CJRModel
import CJRStore

/// Turns every error into `{"message": …}` with the right status, so no client ever sees an
/// HTML page, an empty body or a stack trace. Unexpected errors are logged and answered
/// with a 500 that says where to look.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable
    /// For a full disk's 507, which names it and the room left.
    let dataDirectory: DataDirectory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            // The router found no handler: a known path with another method is a 405.
            guard let allowed = routes.methods(for: request.uri.path) else {
                return JSONResponse.message("Not found: \(request.uri.path)", status: .notFound)
            }
            var response = JSONResponse.message("Method \(request.method.rawValue) is not allowed here; allowed: \(allowed.sorted().joined(separator: ", ")).",
                                                status: .methodNotAllowed)
            response.headers[.allow] = allowed.sorted().joined(separator: ", ")
            return response
        } catch let error as CJRError {
            return JSONResponse.message(error.message, status: error.kind.status)
        } catch let error as APIError {
            return JSONResponse.message(error.message, status: error.status)
        } catch let error as HTTPError {
            return JSONResponse.message(Self.message(for: error), status: error.status)
        } catch let error as BlobIntegrityError {
            context.logger.error("stored file tampered with", metadata: ["hash": "\(error.hash)", "actual": "\(error.actual)",
                                                                        "path": "\(request.uri.path)"])
            return JSONResponse.message("Internal error: \(error); it is not served.", status: .internalServerError)
        } catch where StorageFailure.isOutOfSpace(error) {
            let situation = StorageFailure.situation(of: dataDirectory)
            context.logger.error("no room to store a request", metadata: ["path": "\(request.uri.path)", "situation": "\(situation)"])
            return JSONResponse.message("Insufficient storage: \(situation); nothing of this request was stored. "
                                        + "Free some space and send it again.", status: HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"))
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return JSONResponse.message("Internal error: \(type(of: error)). The server log has the details.",
                                        status: .internalServerError)
        }
    }

    private static func message(for error: HTTPError) -> String {
        if let body = error.body, !body.isEmpty { return body }
        switch error.status {
        case .notFound: return "Not found."
        case .methodNotAllowed: return "Method not allowed."
        case .contentTooLarge: return "Request body is too large."
        default: return error.status.reasonPhrase
        }
    }
}
