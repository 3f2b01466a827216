/// The one error type the domain throws. The API maps ``Kind`` onto an HTTP status and
/// ``message`` onto the JSON body, so every message is written for the person who sent
/// the request and, where one input is at fault, names it in ``field``.
public struct CJRError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The input breaks a rule of the contract (HTTP 422).
        case invalidInput
        /// The resource does not exist or was deleted (HTTP 404).
        case notFound
        /// The request clashes with the resource's state (HTTP 409).
        case conflict
        /// The request body is larger than the server accepts (HTTP 413).
        case payloadTooLarge
        /// No valid credentials (HTTP 401).
        case unauthorized
        /// The user may see the resource but not do this to it (HTTP 403).
        case forbidden
        /// The body's media type is not one the endpoint reads (HTTP 415).
        case unsupportedMediaType
    }

    public let kind: Kind
    public let message: String
    /// The request field at fault, when there is one.
    public let field: String?

    public init(_ kind: Kind, _ message: String, field: String? = nil) {
        self.kind = kind
        self.message = message
        self.field = field
    }

    public var description: String { message }

    /// An invalid value for `field`; the message is prefixed with the field's name.
    public static func invalid(_ field: String, _ reason: String) -> CJRError {
        CJRError(.invalidInput, "\(field): \(reason)", field: field)
    }

    public static func notFound(_ what: String) -> CJRError {
        CJRError(.notFound, what)
    }
}
