/// A validated relative path of a file inside a job, such as `helpers/util.py`.
///
/// Paths come from clients and later become files on disk in a run's working directory,
/// so everything that could land outside it, or confuse a shell or a log, is refused:
/// absolute paths, `..` segments, NUL and other control characters, empty segments,
/// backslashes. `.` segments are dropped (`./run.sh` is `run.sh`). At most
/// ``FieldLimits/filePathBytes`` bytes, ``FieldLimits/fileNameBytes`` a segment and
/// ``FieldLimits/filePathDepth`` segments.
public struct JobFilePath: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let value: String

    public init(validating raw: String, field: String = "filePath") throws(CJRError) {
        if raw.isEmpty { throw .invalid(field, "must not be empty") }
        if raw.utf8.count > FieldLimits.filePathBytes {
            throw .invalid(field, "'\(raw.prefix(64))…' is longer than \(FieldLimits.filePathBytes) bytes")
        }
        if raw.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw .invalid(field, "'\(Self.printable(raw))' contains a NUL or control character")
        }
        if raw.hasPrefix("/") { throw .invalid(field, "'\(raw)' is absolute; paths are relative to the job's root") }
        if raw.contains("\\") { throw .invalid(field, "'\(raw)' contains a backslash; use '/' between folders") }
        var segments: [Substring] = []
        for segment in raw.split(separator: "/", omittingEmptySubsequences: false) {
            switch segment {
            case "": throw .invalid(field, "'\(raw)' has an empty path segment")
            case ".": continue
            case "..": throw .invalid(field, "'\(raw)' contains '..'; paths must stay inside the job")
            default:
                if segment.utf8.count > FieldLimits.fileNameBytes {
                    throw .invalid(field, "'\(raw)' has a segment longer than \(FieldLimits.fileNameBytes) bytes")
                }
                segments.append(segment)
            }
        }
        if segments.isEmpty { throw .invalid(field, "'\(raw)' names no file") }
        if segments.count > FieldLimits.filePathDepth {
            throw .invalid(field, "'\(raw.prefix(64))…' lies \(segments.count) levels deep; at most \(FieldLimits.filePathDepth) are allowed")
        }
        value = segments.joined(separator: "/")
    }

    /// The last segment: the item's `fileName`.
    public var fileName: String { String(value.split(separator: "/").last ?? Substring(value)) }

    public var description: String { value }

    public static func < (lhs: JobFilePath, rhs: JobFilePath) -> Bool { lhs.value < rhs.value }

    private static func printable(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "?" : Character($0) })
    }
}
