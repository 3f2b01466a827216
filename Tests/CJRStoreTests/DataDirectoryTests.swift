import Foundation
import Testing
@testable import CJRStore

@Suite("The data directory's folders")
struct DataDirectoryTests {
    private func mode(_ url: URL) throws -> Int {
        var info = stat()
        try #require(stat(url.path, &info) == 0, "\(url.path)")
        return Int(info.st_mode & 0o7777)
    }

    @Test("prepare makes the root (parents too) and its folders private, and narrows folders that were wider")
    func privateFolders() throws {
        let scratch = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("cjr-datadir-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let directory = DataDirectory(root: scratch.appendingPathComponent("a/b/cjr"))
        try directory.prepare()
        for folder in [directory.root, directory.blobs, directory.staging, directory.logs] {
            #expect(try mode(folder) == 0o700, "\(folder.path)")
        }
        // Folders a user (or an older cjr) left readable are made private again.
        #expect(chmod(directory.root.path, 0o755) == 0 && chmod(directory.blobs.path, 0o777) == 0)
        try directory.prepare()
        #expect(try mode(directory.root) == 0o700)
        #expect(try mode(directory.blobs) == 0o700)
    }

    @Test("a file where a folder goes, or a parent that cannot be made, is an error naming that path and the reason")
    func fileInTheWay() throws {
        let scratch = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("cjr-datadir-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let directory = DataDirectory(root: scratch)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        try Data("not a folder".utf8).write(to: directory.staging)
        let error = #expect(throws: DataDirectoryError.self) { try directory.prepare() }
        #expect(error?.path == directory.staging.path)
        #expect(error?.code == ENOTDIR)
        #expect("\(error.map { $0 as any Error } ?? CancellationError())"
                == "cannot use \(directory.staging.path) as a private folder of cjr's data directory: Not a directory")
        // Parents that cannot be made (a dangling link among them): the root and the reason.
        let link = scratch.appendingPathComponent("gone")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "/nonexistent-\(UUID().uuidString)/x")
        let blocked = DataDirectory(root: link.appendingPathComponent("below/cjr"))
        let parent = #expect(throws: DataDirectoryError.self) { try blocked.prepare() }
        #expect(parent?.path == blocked.root.path)
        #expect(parent.map { [ENOENT, EEXIST].contains($0.code) } == true, "\(String(describing: parent))")
    }
}
