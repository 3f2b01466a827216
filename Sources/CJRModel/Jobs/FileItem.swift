/// One file of a job (or of a run's snapshot). The content lives in the blob store under
/// ``contentHash``; several items, in several jobs and runs, may share one blob.
public struct FileItem: Sendable, Equatable, Codable {
    public var id: String
    public var filePath: String
    public var fileName: String
    /// Where the file came from; uploads are `local`, as on the platform.
    public var fileSource: String
    /// Lowercase hex SHA-256 of the content.
    public var contentHash: String
    public var size: Int64
    public var created: Timestamp

    public init(id: String, filePath: String, fileName: String, fileSource: String = "local",
                contentHash: String, size: Int64, created: Timestamp) {
        self.id = id
        self.filePath = filePath
        self.fileName = fileName
        self.fileSource = fileSource
        self.contentHash = contentHash
        self.size = size
        self.created = created
    }
}
