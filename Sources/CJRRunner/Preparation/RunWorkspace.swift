import Foundation
import CJRModel
import CJRStore

/// A run's private directories under `<data>/runs/<runId>/` (or `<workspaces>/<runId>/`
/// when the runner puts them elsewhere: a Slurm cluster's shared directory): `job/` holds a fresh copy of
/// the run's file snapshot and is the working directory; `home/` and `tmp/` are its HOME
/// and TMPDIR (a contained run gets a private /tmp instead, and no `tmp/`). Files are copied, never
/// linked, so a job cannot alter the stored blobs, and each copy is checked against the
/// hash it was uploaded with. The launcher's status file sits beside them, where a
/// contained run cannot reach it.
struct RunWorkspace {
    let root: URL

    var jobDirectory: URL { root.appendingPathComponent("job") }
    var home: URL { root.appendingPathComponent("home") }
    var temporary: URL { root.appendingPathComponent("tmp") }
    var statusFile: URL { root.appendingPathComponent("launcher-status") }

    static func directory(for runId: String, in data: DataDirectory, under workspaces: URL? = nil) -> URL {
        (workspaces ?? data.root.appendingPathComponent("runs")).appendingPathComponent(runId)
    }

    /// Creates the directories and writes every item of `run` into `job/`. Files starting
    /// with `#!` are made executable, so scripts can call each other directly. `tmp/` only
    /// when the run uses it (`temporary`): a contained run has its own /tmp.
    static func materialize(_ run: CustomJobRun, store: RunStore, under workspaces: URL? = nil, temporary: Bool = true) throws -> RunWorkspace {
        let workspace = RunWorkspace(for: run.id, in: store.directory, under: workspaces)
        // Direct mkdir(2)s: a run's directories are new, and FileManager's
        // createDirectory(withIntermediateDirectories:) stats every component of the path first.
        if mkdir(workspace.root.path, 0o700) != 0 {
            switch errno {
            case EEXIST: // left by a crash: start afresh
                workspace.remove()
            case ENOENT: // the first run under this root
                try FileManager.default.createDirectory(at: workspace.root.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            default:
                throw POSIXFailure(operation: "create \(workspace.root.path)")
            }
            guard mkdir(workspace.root.path, 0o700) == 0 else { throw POSIXFailure(operation: "create \(workspace.root.path)") }
        }
        var made: Set<String> = []
        for directory in [workspace.jobDirectory, workspace.home] + (temporary ? [workspace.temporary] : []) {
            guard mkdir(directory.path, 0o700) == 0 else { throw POSIXFailure(operation: "create \(directory.path)") }
            made.insert(directory.path)
        }
        for item in run.items {
            // Paths were validated on upload; check again that none leaves the job directory.
            let path = try JobFilePath(validating: item.filePath)
            let target = workspace.jobDirectory.appendingPathComponent(path.value)
            try makeParents(of: target, made: &made)
            let source = store.blobs.path(forHash: item.contentHash)
            try store.blobs.copyVerified(hash: item.contentHash, to: target.path, mode: Self.startsWithShebang(source) ? 0o755 : 0o644)
        }
        return workspace
    }

    /// The directories above `file` inside the job directory, each made once.
    private static func makeParents(of file: URL, made: inout Set<String>) throws {
        let parent = file.deletingLastPathComponent()
        guard !made.contains(parent.path) else { return }
        try makeParents(of: parent, made: &made)
        guard mkdir(parent.path, 0o755) == 0 || errno == EEXIST else { throw POSIXFailure(operation: "create \(parent.path)") }
        made.insert(parent.path)
    }

    init(root: URL) { self.root = root }

    init(for runId: String, in data: DataDirectory, under workspaces: URL? = nil) {
        root = Self.directory(for: runId, in: data, under: workspaces)
    }

    func remove() {
        try? FileManager.default.removeItem(at: root)
    }

    static func startsWithShebang(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 2)) == Data("#!".utf8)
    }
}
