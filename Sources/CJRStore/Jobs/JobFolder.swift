import Foundation
import CJRModel

/// A job folder on disk (the directory a user is about to upload), read into the blob
/// store file by file, in 64 KiB pieces. `.git` is left out. A symbolic link to a file
/// counts as that file (as the official client's upload reads it); links to directories
/// are not followed.
public struct JobFolder: Sendable {
    public let root: URL

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    /// The folder's regular files, as relative paths in order.
    public func filePaths() throws -> [String] {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw CJRError.invalid("directory", "\(root.path) cannot be read")
        }
        var paths: [String] = []
        for case let url as URL in walker {
            if url.lastPathComponent == ".git" { walker.skipDescendants(); continue }
            guard (try? url.resolvingSymlinksInPath().resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            paths.append(String(url.standardizedFileURL.path.dropFirst(root.path.count + 1)))
        }
        return paths.sorted()
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
