import Testing
import CJRModel

@Suite("Job changes")
struct JobChangesTests {
    static let item = FileItem(id: "i", filePath: "run.sh", fileName: "run.sh", contentHash: "h1", size: 3, created: .now())
    static let job = CustomJob(id: "j", name: "n", description: "d", jobType: .default, entryPoint: "i", environmentId: "e",
                               environmentVersionId: "v", resources: CustomJobResources(egressNetworkPolicy: .public, resourceBundleId: nil),
                               created: .now(), updated: .now(), items: [item])

    static func upload(_ path: String, _ hash: String) throws -> UploadedFile {
        UploadedFile(path: try JobFilePath(validating: path), contentHash: hash, size: 3)
    }

    @Test("changes that restate what a job has change nothing; any field set otherwise, a file added or replaced, a deletion or parameter values do")
    func wouldChange() throws {
        let same = JobChanges(name: "n", description: "d", jobType: .default, environmentId: "e", environmentVersionId: "v",
                              resources: CustomJobResources(egressNetworkPolicy: .public, resourceBundleId: nil), entryPoint: "i",
                              uploads: [try Self.upload("run.sh", "h1")])
        #expect(!same.wouldChange(Self.job))
        #expect(!JobChanges().wouldChange(Self.job))
        var changed: [JobChanges] = []
        for edit: (inout JobChanges) throws -> Void in [
            { $0.name = "other" }, { $0.description = "other" }, { $0.jobType = .retraining }, { $0.environmentId = "f" },
            { $0.environmentVersionId = "w" }, { $0.environmentVersionId = nil }, // an environment's "latest" is not known here
            { $0.resources = CustomJobResources(egressNetworkPolicy: .none, resourceBundleId: nil) },
            { $0.resources = CustomJobResources(egressNetworkPolicy: .public, resourceBundleId: "cpu.small") },
            { $0.entryPoint = "other" }, { $0.uploads = [try Self.upload("run.sh", "h2")] },
            { $0.uploads.append(try Self.upload("more.sh", "h1")) }, { $0.filesToDelete = ["i"] }, { $0.runtimeParameterValues = [] },
        ] {
            var changes = same
            try edit(&changes)
            changed.append(changes)
        }
        for changes in changed { #expect(changes.wouldChange(Self.job), "\(changes)") }
    }
}
