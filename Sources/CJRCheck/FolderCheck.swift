import Foundation
import CJRModel
import CJRParameters
import Yams

/// `cjr check`: everything about a job folder that would go wrong on the platform (or
/// under cjr), found before anything is uploaded or run, all at once.
public struct FolderCheck: Sendable {
    public let root: URL
    /// The entry point's path in the folder (`run.sh` unless named).
    public let entryPoint: String
    /// Whether a missing entry point is an error (running) or a warning (uploading: the
    /// platform takes a job without one, and it can be set later).
    public let entryPointRequired: Bool
    /// A profile's limits (`--profile datarobot`) turn what would only be noted into errors.
    public let profile: PlatformProfile?

    public init(root: URL, entryPoint: String? = nil, entryPointRequired: Bool = true, profile: PlatformProfile? = nil) {
        self.root = root.standardizedFileURL
        // As the job will name it (`./run.sh` is `run.sh`); a path it refuses is reported as given.
        self.entryPoint = entryPoint.map { (try? JobFilePath(validating: $0, field: "entry point").value) ?? $0 } ?? "run.sh"
        self.entryPointRequired = entryPointRequired
        self.profile = profile
    }

    public func run() -> CheckReport {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            return CheckReport(diagnostics: [Diagnostic(.error, "", "no such folder")])
        }
        guard isDirectory.boolValue else {
            return CheckReport(diagnostics: [Diagnostic(.error, "", "is a file, not a folder",
                                                        hint: "give the job's folder; its entry point is named with --entry-point")])
        }
        let contents = FolderContents(root: root, profile: profile)
        var diagnostics = contents.diagnostics
        diagnostics += EntryPointCheck(root: root, path: entryPoint, uploaded: contents.uploaded, required: entryPointRequired).diagnostics
        diagnostics += metadataDiagnostics(uploaded: contents.uploaded)
        diagnostics += ShellScriptCheck(root: root, scripts: contents.uploaded.filter { $0.hasSuffix(".sh") && $0 != entryPoint }).diagnostics
        // Errors first, then by file and position; found order breaks ties (a stable sort).
        let ordered = diagnostics.enumerated().sorted { a, b in
            let (x, y) = (a.element, b.element)
            if x.severity != y.severity { return x.severity > y.severity }
            if x.file != y.file { return x.file < y.file }
            if (x.line ?? 0, x.column ?? 0) != (y.line ?? 0, y.column ?? 0) { return (x.line ?? 0, x.column ?? 0) < (y.line ?? 0, y.column ?? 0) }
            return a.offset < b.offset
        }
        return CheckReport(diagnostics: ordered.map(\.element))
    }

    /// metadata.yaml as it would be uploaded: not when `.cjrignore` leaves it out, and only a
    /// regular file (a FIFO or a device would hang the check).
    private func metadataDiagnostics(uploaded: [String]) -> [Diagnostic] {
        let file = MetadataParser.fileName
        let url = root.appendingPathComponent(file)
        guard uploaded.contains(file), (try? url.resolvingSymlinksInPath().resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true,
              let data = FileManager.default.contents(atPath: url.path) else { return [] }
        guard let text = String(data: data, encoding: .utf8) else {
            return [Diagnostic(.error, file, "is not UTF-8 text", hint: "save it as UTF-8")]
        }
        var found = MetadataParser.diagnose(yaml: text).problems.map {
            Diagnostic(.error, file, line: $0.line, column: $0.column, $0.message, hint: $0.hint)
        }
        // The job's name, when metadata.yaml gives it (cjr run names the job so).
        if let composed = try? Yams.compose(yaml: text), case .mapping(let top) = composed, let node = top.first(where: { $0.key.string == "name" }) {
            let name = node.value.string ?? ""
            if name.trimmingCharacters(in: .whitespaces).isEmpty || name.count > FieldLimits.nameLength {
                found.append(Diagnostic(.error, file, line: node.value.mark?.line, column: node.value.mark?.column,
                                        "name: must be 1 to \(FieldLimits.nameLength) characters, got \(name.count)"))
            }
        }
        return found
    }
}
