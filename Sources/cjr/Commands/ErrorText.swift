import Foundation

/// An error in words for the person at the terminal: where in a file a decoding error is,
/// the system's short reason for a file error, never Foundation's `NSCocoaErrorDomain
/// Code=260 …` dump.
enum ErrorText {
    static func describe(_ error: any Error) -> String {
        if let decoding = error as? DecodingError { return describe(decoding) }
        let error = error as NSError
        if error.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: error.code) {
            case .fileReadNoSuchFile, .fileNoSuchFile: return "no such file"
            case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
            case .fileReadInapplicableStringEncoding: return "not UTF-8 text"
            default: break
            }
        }
        if error.domain == NSPOSIXErrorDomain, let text = strerror(Int32(error.code)) { return String(cString: text) }
        return "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "" : "at \(keys.hasPrefix(".") ? String(keys.dropFirst()) : keys): "
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context))'\(key.stringValue)' is missing"
        case .typeMismatch(let type, let context): return "\(path(context))expected \(type)"
        case .valueNotFound(let type, let context): return "\(path(context))expected \(type), found nothing"
        case .dataCorrupted(let context): return "\(path(context))\(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
