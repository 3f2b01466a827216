import Foundation

/// What of a job folder on disk is uploaded: its regular files, minus `.git/` and what
/// `.cjrignore` names; a symbolic link to a file inside the folder counts as that file.
/// Links that leave the folder are not followed (they would upload a file of the host's,
/// `/etc/passwd` as easily as anything), nor are links to directories.
public struct JobFolderListing: Sendable, Equatable {
    /// Relative paths of the files to upload, sorted.
    public var files: [String] = []
    /// Links whose target is outside the folder, with that target.
    public var outsideLinks: [(path: String, target: String)] = []
    /// Links to nothing.
    public var danglingLinks: [String] = []
    /// Files and folders `.cjrignore` leaves out (a folder once, not its contents).
    public var ignored: [String] = []
    /// Every folder walked, relative.
    public var directories: [String] = []

    public init(root: URL) throws {
        let root = root.standardizedFileURL.resolvingSymlinksInPath()
        let rules = IgnoreRules.load(from: root)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: []) else {
            throw CJRError.invalid("directory", "\(root.path) cannot be read")
        }
        for case let url as URL in walker {
            let relative = String(url.standardizedFileURL.path.dropFirst(root.path.count + 1))
            let kind = Kind(of: url.path, following: false)
            if kind == .directory {
                if url.lastPathComponent == ".git" || rules.ignores(relative, isDirectory: true) {
                    if url.lastPathComponent != ".git" { ignored.append(relative) }
                    walker.skipDescendants()
                } else {
                    directories.append(relative)
                }
                continue
            }
            if rules.ignores(relative) { ignored.append(relative); continue }
            if kind == .symbolicLink {
                let target = url.resolvingSymlinksInPath()
                guard FileManager.default.fileExists(atPath: target.path) else { danglingLinks.append(relative); continue }
                guard target.path.hasPrefix(root.path + "/") else { outsideLinks.append((relative, target.path)); continue }
                // A link is no way around `.git/` or `.cjrignore`: what it points at must be uploadable itself.
                let targetRelative = String(target.path.dropFirst(root.path.count + 1))
                if targetRelative.split(separator: "/").contains(".git") || rules.ignores(targetRelative) {
                    ignored.append(relative)
                    continue
                }
                if Kind(of: target.path, following: true) == .regular { files.append(relative) }
                continue
            }
            if kind == .regular { files.append(relative) }
        }
        files.sort()
    }

    /// A path's type by `lstat` (or `stat`, following links). Not `URL.resourceValues`:
    /// on Linux it reads every attribute, owner and group names included, which asks the
    /// name service (`/etc/nsswitch.conf`, nscd) twice per file.
    private enum Kind {
        case regular, directory, symbolicLink, other

        init?(of path: String, following: Bool) {
            var info = stat()
            guard (following ? stat(path, &info) : lstat(path, &info)) == 0 else { return nil }
            switch info.st_mode & S_IFMT {
            case S_IFREG: self = .regular
            case S_IFDIR: self = .directory
            case S_IFLNK: self = .symbolicLink
            default: self = .other
            }
        }
    }

    public static func == (lhs: JobFolderListing, rhs: JobFolderListing) -> Bool {
        lhs.files == rhs.files && lhs.outsideLinks.map(\.path) == rhs.outsideLinks.map(\.path)
            && lhs.danglingLinks == rhs.danglingLinks && lhs.ignored == rhs.ignored && lhs.directories == rhs.directories
    }
}
