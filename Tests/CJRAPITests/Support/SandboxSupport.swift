import Foundation
import Hummingbird
import HummingbirdTesting
import CJRTestSupport

/// `cjr-sandbox-probe` as a job's script calls it: ``APIClient/runSandboxed(_:egress:bundle:)``
/// uploads it with the job, as a hostile job would bring its tools. (A contained run sees
/// nothing of the checkout when it lies in a hidden directory such as /tmp.)
let sandboxProbe = "./cjr-sandbox-probe"

/// The probe as built, next to the test bundle like `cjr-launch`.
let sandboxProbeBinary: String = {
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("cjr-sandbox-probe").path
}()

extension APIClient {
    /// Creates a job whose run.sh is `script`, with these resources, runs it to the end and
    /// returns (final run JSON, log).
    func runSandboxed(_ script: String, egress: String = "public", bundle: String? = nil) async throws -> (run: JSON, log: String) {
        let bundleField = bundle.map { #", "resourceBundleId": "\#($0)""# } ?? ""
        let body = #"{"name": "sandboxed", "resources": {"egressNetworkPolicy": "\#(egress)"\#(bundleField)}}"#
        guard let jobId = try JSON(try await postJSON("/customJobs/", body))["id"].string else { throw TestFailure("job create failed") }
        var form = MultipartBody()
        form.file(path: "run.sh", content: Array(("chmod +x \(sandboxProbe)\n" + script).utf8))
        guard let probe = FileManager.default.contents(atPath: sandboxProbeBinary) else { throw TestFailure("no \(sandboxProbeBinary)") }
        form.file(path: "cjr-sandbox-probe", content: Array(probe))
        _ = try await sendForm(.patch, "/customJobs/\(jobId)/", form)
        let (run, _) = try await startRun(jobId)
        guard let runId = run["id"].string else { throw TestFailure("no run id") }
        let final = try await waitForRun(jobId, runId, timeout: 60)
        return (final, try await logs(jobId, runId))
    }
}
