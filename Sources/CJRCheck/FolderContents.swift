import Foundation
import CJRModel

/// What the folder would upload, and what about that would surprise: links leaving the
/// folder, things that should not be uploaded, dependencies cjr does not install, size.
struct FolderContents {
    /// Folders that are a machine's, not the job's.
    static let localFolders: [String: String] = [
        ".venv": "a virtual environment", "venv": "a virtual environment", "__pycache__": "Python's bytecode cache",
        "node_modules": "installed Node packages", ".ipynb_checkpoints": "Jupyter's checkpoints",
        ".pytest_cache": "pytest's cache", ".mypy_cache": "mypy's cache", ".idea": "an IDE's settings", ".vscode": "an editor's settings",
    ]

    let uploaded: [String]
    let diagnostics: [Diagnostic]

    init(root: URL, profile: PlatformProfile?) {
        guard let listing = try? JobFolderListing(root: root) else {
            uploaded = []
            diagnostics = [Diagnostic(.error, "", "cannot be read")]
            return
        }
        uploaded = listing.files
        var found: [Diagnostic] = []
        let localFolders = listing.directories.filter { Self.localFolders[($0 as NSString).lastPathComponent] != nil }
        func inLocalFolder(_ path: String) -> Bool { localFolders.contains { path.hasPrefix($0 + "/") } }
        for link in listing.outsideLinks where !inLocalFolder(link.path) {
            found.append(Diagnostic(.warning, link.path, "is a link to \(link.target), outside the folder; it is not uploaded",
                                    hint: "copy the file into the folder if the job needs it, or remove the link"))
        }
        for file in listing.files {
            do {
                _ = try JobFilePath(validating: file, field: "file")
            } catch {
                found.append(Diagnostic(.error, file, error.message.replacingOccurrences(of: "file: ", with: ""),
                                        hint: "rename it, or leave it out with \(IgnoreRules.fileName)"))
            }
        }
        if listing.files.count > FieldLimits.itemsPerJob {
            found.append(Diagnostic(.error, "", "has \(listing.files.count) files to upload; a job holds at most \(FieldLimits.itemsPerJob)",
                                    hint: "leave some out with \(IgnoreRules.fileName)"))
        }
        for link in listing.danglingLinks where !inLocalFolder(link) {
            found.append(Diagnostic(.warning, link, "is a link to nothing; it is not uploaded"))
        }
        for directory in listing.directories {
            let name = (directory as NSString).lastPathComponent
            guard let what = Self.localFolders[name] else { continue }
            let files = listing.files.filter { $0.hasPrefix(directory + "/") }
            let bytes = files.reduce(Int64(0)) { $0 + Self.size(root.appendingPathComponent($1)) }
            found.append(Diagnostic(.warning, directory + "/", "is \(what) (\(files.count) file\(files.count == 1 ? "" : "s"), \(Self.describe(bytes))); it would be uploaded with the job",
                                    hint: "add \(directory)/ to \(IgnoreRules.fileName)"))
        }
        for file in listing.files where (file as NSString).lastPathComponent.hasPrefix(".env") && !file.hasSuffix(".example") {
            found.append(Diagnostic(.warning, file, "may hold secrets, and it would be uploaded with the job",
                                    hint: "add it to \(IgnoreRules.fileName), and pass secrets as credential parameters"))
        }
        if listing.files.contains("requirements.txt"),
           let text = try? String(contentsOf: root.appendingPathComponent("requirements.txt"), encoding: .utf8) {
            // cjr installs wheels only (nothing of a package's build code runs outside the sandbox).
            for (number, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                guard line.hasPrefix("-e") || line.hasPrefix("--editable") || line.contains("git+") || line.hasPrefix(".")
                        || line.hasPrefix("/") || line.hasPrefix("file:") else { continue }
                found.append(Diagnostic(.warning, "requirements.txt", line: number + 1, column: 1,
                                        "'\(line)' must be built from source; cjr installs wheels only",
                                        hint: "publish a wheel for it, or use a package index that has one"))
            }
        }
        let total = listing.files.reduce(Int64(0)) { $0 + Self.size(root.appendingPathComponent($1)) }
        let limit = profile?.maxFolderBytes ?? PlatformProfile.datarobot.maxFolderBytes
        if total > limit {
            let whose = profile.map { "the \($0.name) profile's limit" } ?? "the platform takes at most that per job"
            found.append(Diagnostic(profile == nil ? .warning : .error, "",
                                    "holds \(Self.describe(total, against: limit)) of files, more than \(Self.describe(limit, against: total)) (\(whose))",
                                    hint: "leave data out (\(IgnoreRules.fileName)) and have the job fetch it"))
        }
        if listing.files.isEmpty && listing.outsideLinks.isEmpty {
            found.append(Diagnostic(.error, "", "has no files to upload"))
        }
        diagnostics = found
    }

    static func size(_ url: URL) -> Int64 {
        FileSize.of(url.path) ?? 0
    }

    static func describe(_ bytes: Int64) -> String { ByteSize.text(bytes) }

    /// With the exact count when rounding would make the two sizes read the same.
    static func describe(_ bytes: Int64, against other: Int64) -> String {
        ByteSize.text(bytes) == ByteSize.text(other) ? "\(ByteSize.text(bytes)) (\(bytes) bytes)" : ByteSize.text(bytes)
    }
}
