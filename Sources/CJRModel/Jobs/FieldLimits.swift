/// The size limits the API reference sets on custom-job fields.
public enum FieldLimits {
    public static let nameLength = 255
    public static let descriptionLength = 10_000
    public static let itemsPerJob = 1_000
    public static let filesToDeletePerRequest = 100
    public static let runtimeParameterValues = 100
    public static let runtimeParameterStringLength = 4_096
    /// Longest accepted `filePath`, in UTF-8 bytes (well under Linux's PATH_MAX, so a
    /// run's working directory can hold it).
    public static let filePathBytes = 1_024
    /// Longest accepted path segment, in UTF-8 bytes (Linux's NAME_MAX).
    public static let fileNameBytes = 255
    /// Folders deep a job file may lie (segments of its path): deeper trees break ordinary
    /// tools (`rm -r`, `find`, path buffers) on the host that materialises them.
    public static let filePathDepth = 32

    /// Checks a required, non-blank name.
    public static func validateName(_ name: String, field: String = "name") throws(CJRError) {
        if name.allSatisfy(\.isWhitespace) { throw .invalid(field, "must not be empty") }
        if name.count > nameLength { throw .invalid(field, "must be at most \(nameLength) characters (got \(name.count))") }
    }

    public static func validateDescription(_ text: String, field: String = "description") throws(CJRError) {
        if text.count > descriptionLength {
            throw .invalid(field, "must be at most \(descriptionLength) characters (got \(text.count))")
        }
    }
}
