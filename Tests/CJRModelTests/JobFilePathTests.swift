import Testing
import CJRModel

@Suite("Job file paths")
struct JobFilePathTests {
    @Test("relative paths are kept, '.' segments dropped", arguments: [
        ("run.sh", "run.sh"), ("a/b/c.py", "a/b/c.py"), ("./run.sh", "run.sh"), ("a/./b", "a/b"),
        ("with space/ü.txt", "with space/ü.txt"), (".hidden", ".hidden"), ("..dots", "..dots"),
    ])
    func accepted(raw: String, normalized: String) throws {
        #expect(try JobFilePath(validating: raw).value == normalized)
    }

    @Test("paths that could leave the job or confuse a shell are refused", arguments: [
        "", "/abs", "..", "../x", "a/../b", "a//b", "a/", ".", "./", "a\u{0}b", "tab\there", "back\\slash",
        String(repeating: "x", count: 256), String(repeating: "a/", count: 2_100) + "z",
    ])
    func refused(raw: String) {
        #expect(throws: CJRError.self) { try JobFilePath(validating: raw) }
    }

    @Test("limits: 1024 bytes, 255 a segment, 32 levels")
    func limits() throws {
        let deepest = Array(repeating: "d", count: 32).joined(separator: "/")
        #expect(try JobFilePath(validating: deepest).value == deepest)
        #expect {
            try JobFilePath(validating: deepest + "/x")
        } throws: { error in
            (error as? CJRError)?.message.hasSuffix("lies 33 levels deep; at most 32 are allowed") == true
        }
        let longest = Array(repeating: String(repeating: "n", count: 200), count: 5).joined(separator: "/") + "/" + String(repeating: "m", count: 19)
        #expect(longest.utf8.count == 1_024)
        #expect(try JobFilePath(validating: longest).value == longest)
        #expect(throws: CJRError.self) { try JobFilePath(validating: longest + "m") }
    }

    @Test("the error names the field it was given")
    func errorNamesField() {
        #expect(throws: CJRError.invalid("filePath[3]", "'/x' is absolute; paths are relative to the job's root")) {
            try JobFilePath(validating: "/x", field: "filePath[3]")
        }
    }

    @Test("fileName is the last segment")
    func fileName() throws {
        #expect(try JobFilePath(validating: "pkg/mod/util.py").fileName == "util.py")
    }
}
