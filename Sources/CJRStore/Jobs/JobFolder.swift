import Foundation
import CJRModel

/// A job folder on disk (the directory a user is about to upload), read into the blob
/// store file by file, in 64 KiB pieces: the files ``JobFolderListing`` says are uploaded
/// (not `.git/`, not what `.cjrignore` names, no link leaving the folder).
public struct JobFolder: Sendable {
    public let root: URL

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    /// The folder's files to upload, as relative paths in order.
    public func filePaths() throws -> [String] {
        try JobFolderListing(root: root).files
    }

    /// Writes the files (all, or those not in `skipping`) to `blobs`.
    public func upload(to blobs: BlobStore, skipping: Set<String> = []) throws -> [UploadedFile] {
        try filePaths().filter { !skipping.contains($0) }.map { relative in
            let writer = try blobs.makeWriter()
            let handle = try FileHandle(forReadingFrom: root.appendingPathComponent(relative))
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
                try chunk.withUnsafeBytes { try writer.write($0) }
            }
            let blob = try writer.finish()
            return UploadedFile(path: try JobFilePath(validating: relative), contentHash: blob.hash, size: blob.size)
        }
    }
}
