import Hummingbird
import CJRModel

/// An error raised by the HTTP layer itself (headers, media types, bodies) with its status.
/// Domain errors are ``CJRModel/CJRError``; both end up as `{"message": …}`.
struct APIError: Error {
    let status: HTTPResponse.Status
    let message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }
}

extension CJRError.Kind {
    var status: HTTPResponse.Status {
        switch self {
        case .invalidInput: .unprocessableContent
        case .notFound: .notFound
        case .conflict: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .unsupportedMediaType: .unsupportedMediaType
        }
    }
}
