import Foundation
import Testing
@testable import CJRCheck
import CJRModel

/// The entry point check's shebang reading, for the tests.
enum EntryPointCheckProbe {
    static func interpreter(_ shebang: String) -> String { EntryPointCheck.interpreter(of: shebang) }
}

/// Each folder of `Corpus/` is a job folder with problems; `Corpus/NAME.expected` is exactly
/// what `cjr check NAME` prints for it (`NAME.entrypoint`, when present, names the entry
/// point). `CJR_UPDATE_CORPUS=1` rewrites the expected files, to be reviewed in the diff.
@Suite("cjr check on a corpus of job folders")
struct CorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? [])
            .filter { name in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: corpus.appendingPathComponent(name).path, isDirectory: &isDirectory) && isDirectory.boolValue
            }
            .sorted()
    }

    @Test("every diagnostic, with its line and column, exactly as expected", arguments: cases)
    func corpusCase(name: String) throws {
        let entryPoint = try? String(contentsOf: Self.corpus.appendingPathComponent("\(name).entrypoint"), encoding: .utf8)
        let report = FolderCheck(root: Self.corpus.appendingPathComponent(name), entryPoint: entryPoint).run()
        let actual = report.rendered(folder: name)
        let expectedFile = Self.corpus.appendingPathComponent("\(name).expected")
        if ProcessInfo.processInfo.environment["CJR_UPDATE_CORPUS"] != nil {
            try actual.write(to: expectedFile, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: expectedFile, encoding: .utf8)
        #expect(actual == expected)
    }

    @Test("the corpus holds the cases the issue names")
    func coverage() {
        #expect(Set(Self.cases).isSuperset(of: ["top-level-typo", "definition-typos", "tab-indent", "python-in-run-sh",
                                                "python-without-shebang", "missing-entry-point", "clean"]))
    }
}

/// Cases a checked-in file cannot hold faithfully: line endings and links, made here.
@Suite("cjr check on folders made by the test")
struct GeneratedFolderTests {
    func folder(_ files: [String: [UInt8]]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cjr-check-\(UUID().uuidString)")
        for (path, bytes) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        return root
    }

    @Test("CRLF line endings in the entry point are an error naming the first line; in another script, a warning")
    func carriageReturns() throws {
        let root = try folder(["run.sh": Array("cd \"$(dirname \"$0\")\"\r\nbash helper.sh\r\n".utf8),
                               "helper.sh": Array("echo ok\necho two\r\n".utf8)])
        defer { try? FileManager.default.removeItem(at: root) }
        let report = FolderCheck(root: root).run()
        #expect(report.rendered(folder: "job") == """
            job/run.sh:1:21: error: has Windows line endings (\\r\\n); bash reads the \\r as part of each command
              hint: convert it to Unix line endings: sed -i 's/\\r$//' run.sh (or set your editor to LF)
            job/helper.sh:2:9: warning: has Windows line endings (\\r\\n); bash reads the \\r as part of each command
              hint: convert it to Unix line endings: sed -i 's/\\r$//' helper.sh (or set your editor to LF)
            1 error, 1 warning

            """)
    }

    @Test("a link out of the folder is not uploaded, with a warning; a link inside counts as its file")
    func links() throws {
        let root = try folder(["run.sh": Array("cat config.yaml\n".utf8), "conf/real.yaml": Array("a: 1\n".utf8)])
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("passwd").path, withDestinationPath: "/etc/passwd")
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("config.yaml").path, withDestinationPath: "conf/real.yaml")
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("gone").path, withDestinationPath: "nowhere")
        let report = FolderCheck(root: root).run()
        #expect(report.rendered(folder: "job") == """
            job/gone: warning: is a link to nothing; it is not uploaded
            job/passwd: warning: is a link to /etc/passwd, outside the folder; it is not uploaded
              hint: copy the file into the folder if the job needs it, or remove the link
            0 errors, 2 warnings

            """)
        #expect(try JobFolderListing(root: root).files == ["conf/real.yaml", "config.yaml", "run.sh"])
    }

    @Test("a link is no way around .cjrignore or .git/: what it points at must be uploadable itself")
    func linksToLeftOutFiles() throws {
        let root = try folder(["run.sh": Array("true\n".utf8), ".env": Array("TOKEN=x\n".utf8), ".cjrignore": Array(".env\n".utf8),
                               ".git/config": Array("[remote]\n".utf8)])
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("envlink").path, withDestinationPath: ".env")
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("gitcfg").path, withDestinationPath: ".git/config")
        let listing = try JobFolderListing(root: root)
        #expect(listing.files == [".cjrignore", "run.sh"])
        #expect(Set(listing.ignored) == [".env", "envlink", "gitcfg"])
    }

    @Test("a virtualenv's links out of the folder are one warning about the folder, not errors that refuse it")
    func virtualenvLinks() throws {
        let root = try folder(["run.sh": Array("true\n".utf8), ".venv/pyvenv.cfg": Array("home = /usr/bin\n".utf8)])
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent(".venv/bin"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent(".venv/bin/python3").path, withDestinationPath: "/usr/bin/python3")
        let report = FolderCheck(root: root).run()
        #expect(report.errors.isEmpty, "\(report.rendered(folder: "job"))")
        #expect(report.warnings.map(\.file) == [".venv/"])
    }

    @Test("shebangs: env with options and assignments, CRLF after the interpreter; ./run.sh is run.sh")
    func shebangs() throws {
        #expect(EntryPointCheckProbe.interpreter("/usr/bin/env -S PYTHONPATH=. python3 -u") == "python3")
        #expect(EntryPointCheckProbe.interpreter("/usr/bin/env -u HOME /usr/bin/python3") == "python3")
        #expect(EntryPointCheckProbe.interpreter("/bin/bash -e") == "bash")
        let root = try folder(["run.sh": Array("#!/bin/bash\r\necho hi\r\n".utf8)])
        defer { try? FileManager.default.removeItem(at: root) }
        let report = FolderCheck(root: root, entryPoint: "./run.sh").run()
        #expect(report.errors.count == 1, "only the line endings: \(report.rendered(folder: "job"))")
        #expect(report.errors.first?.message.hasPrefix("has Windows line endings") == true)
    }

    @Test(".cjrignore: directories, globs, anchors, ** and re-inclusion, as git reads them")
    func ignoreRules() {
        let rules = IgnoreRules(text: """
            # comment
            data/
            *.log
            !keep.log
            /top.txt
            docs/**/draft.md
            """)
        #expect(rules.ignores("data", isDirectory: true))
        #expect(rules.ignores("data/x.csv"))
        #expect(rules.ignores("sub/data/x.csv"))
        #expect(!rules.ignores("data"), "data/ matches directories only")
        #expect(rules.ignores("a/b/c.log"))
        #expect(!rules.ignores("keep.log"))
        #expect(rules.ignores("top.txt") && !rules.ignores("sub/top.txt"))
        #expect(rules.ignores("docs/draft.md") && rules.ignores("docs/a/b/draft.md") && !rules.ignores("docs/final.md"))
        let inside = IgnoreRules(text: "build/**\n!build/keep.txt\n\\*.md\n")
        #expect(!inside.ignores("build", isDirectory: true) && inside.ignores("build/x.o") && !inside.ignores("build/keep.txt"))
        #expect(inside.ignores("*.md") && !inside.ignores("README.md"), "an escaped * is a literal *")
    }

    @Test("did you mean: case, prefixes and small typos; nothing when nothing is close")
    func suggestions() {
        let keys = ["runtimeParameterDefinitions", "name", "description"]
        #expect(Suggestion.closest(to: "runtimeParameterDefinitons", among: keys) == "runtimeParameterDefinitions")
        #expect(Suggestion.closest(to: "Name", among: keys) == "name")
        #expect(Suggestion.closest(to: "descripton", among: keys) == "description")
        #expect(Suggestion.closest(to: "model", among: ["modelPackage", "string"]) == "modelPackage")
        #expect(Suggestion.closest(to: "String", among: ["modelPackage", "string"]) == "string")
        #expect(Suggestion.closest(to: "zzz", among: keys) == nil)
        for _ in 0..<8 { #expect(Suggestion.closest(to: "mValue", among: Set(["minValue", "maxValue"])) == "maxValue") }
    }
}
