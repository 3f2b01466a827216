import Foundation
import Testing
import CJRTestSupport

/// `cjr doctor --executor slurm` and `cjr serve --executor slurm` checking a real cluster
/// (`scripts/slurm-cluster up`): what holds, and a clear refusal for what does not.
@Suite("Slurm: checks before serving", .enabled(if: ProcessInfo.processInfo.environment["CJR_SLURM_URL"] != nil))
struct SlurmCheckTests {
    static let environment = ProcessInfo.processInfo.environment
    static let shared = environment["CJR_SLURM_SHARED_DIR"] ?? "/tmp/cjr-slurm/shared"

    static func options(url: String = environment["CJR_SLURM_URL"] ?? "", tokenFile: String = environment["CJR_SLURM_TOKEN_FILE"] ?? "",
                        partition: String = environment["CJR_SLURM_PARTITION"] ?? "debug") -> [String] {
        ["--executor", "slurm", "--slurm-url", url, "--slurm-user", environment["CJR_SLURM_USER"] ?? "root",
         "--slurm-token-file", tokenFile, "--slurm-partition", partition, "--shared-dir", shared]
    }

    @Test("cjr doctor checks slurmrestd, the token, the partition, the shared directory, and a test job on a node")
    func doctor() throws {
        let (status, output) = try CJRBinary.run(["doctor"] + Self.options())
        #expect(status == 0, "\(output)")
        for line in ["ok slurmrestd", "API v0.0.38, Slurm 22.05", "ok token", "ok partition", "ok shared directory",
                     "found the shared directory, cjr-launch, the seccomp policies"] {
            #expect(output.contains(line), "\(line): \(output)")
        }
        let (badStatus, badOutput) = try CJRBinary.run(["doctor"] + Self.options(partition: "nonesuch"))
        #expect(badStatus == 1 && badOutput.contains("NO partition        nonesuch: ") && badOutput.contains("Invalid partition name"), "\(badOutput)")
        #expect(!badOutput.contains("test job"), "no job is tried on a partition that is not there")
    }

    @Test("cjr serve refuses at start, on one line, a token slurmrestd refuses and an address where none answers")
    func refusedAtStart() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let token = scratch.url.appendingPathComponent("token")
        try "not-a-jwt\n".write(to: token, atomically: true, encoding: .utf8)
        let data = scratch.url.appendingPathComponent("data").path
        let (status, output) = try CJRBinary.run(["serve", "--port", "0", "--data-dir", data] + Self.options(tokenFile: token.path))
        #expect(status == 1 && output.contains("refused the token in \(token.path) for user root") && output.contains("scontrol token"), "\(output)")
        let (gone, goneOutput) = try CJRBinary.run(["serve", "--port", "0", "--data-dir", data] + Self.options(url: "http://127.0.0.1:9"))
        #expect(gone == 1 && goneOutput.contains("cannot reach slurmrestd at http://127.0.0.1:9"), "\(goneOutput)")
    }

    /// A second slurmrestd that offers only v0.0.37 (Debian ships it beside v0.0.38).
    @Test("cjr serve refuses a slurmrestd that speaks no version cjr knows, naming the ones it offers", .enabled(if: getuid() == 0))
    func unknownVersion() async throws {
        let rest = Process()
        rest.executableURL = URL(fileURLWithPath: "/usr/sbin/slurmrestd")
        rest.arguments = ["-u", "nobody", "-s", "openapi/v0.0.37", "-a", "rest_auth/jwt", "127.0.0.1:6829"]
        rest.environment = ["PATH": "/usr/sbin:/usr/bin:/bin", "SLURM_JWT": "daemon", "SLURM_CONF": Self.environment["SLURM_CONF"] ?? "/tmp/cjr-slurm/slurm.conf"]
        rest.currentDirectoryURL = URL(fileURLWithPath: "/")
        rest.standardOutput = FileHandle.nullDevice
        rest.standardError = FileHandle.nullDevice
        try rest.run()
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        // slurmrestd listens a moment after it starts; it is stopped whatever happens (a
        // defer cannot await, and a blocking wait there would hold a thread other tests need).
        let answer: Result<(status: Int32, output: String), any Error>
        do {
            let serve = ["serve", "--port", "0", "--data-dir", scratch.url.path] + Self.options(url: "http://127.0.0.1:6829")
            var attempt = try CJRBinary.run(serve)
            var tries = 1
            while attempt.output.contains("cannot reach") && tries < 50 {
                try await Task.sleep(for: .milliseconds(100))
                attempt = try CJRBinary.run(serve)
                tries += 1
            }
            answer = .success(attempt)
        } catch {
            answer = .failure(error)
        }
        await rest.stop()
        let (status, output) = try answer.get()
        #expect(status == 1 && output.contains("offers API version v0.0.37; cjr speaks v0.0.38") && output.contains("-s openapi/v0.0.38"), "\(output)")
    }
}
