import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The few calls of slurmrestd's API the executor makes (submit a batch job, read its
/// state, cancel it), in the version ``SlurmSettings/apiVersion`` names (see
/// ``SlurmDialect``). Slurm reports errors in an `errors` array, often with 200 or a
/// misleading 500; both become a ``SlurmError`` with Slurm's own words.
struct SlurmClient: Sendable {
    let settings: SlurmSettings
    let dialect: any SlurmDialect

    struct SlurmError: Error, CustomStringConvertible {
        var status: UInt = 0
        let description: String
    }

    init(settings: SlurmSettings) {
        self.settings = settings
        dialect = SlurmDialects.named(settings.apiVersion) ?? SlurmDialects.all[0]
    }

    func submit(_ job: SlurmJobRequest) async throws -> Int {
        let object = try await request(.POST, dialect.path("job/submit"), body: dialect.submitBody(job))
        guard let id = dialect.submittedJobId(in: object) else { throw SlurmError(description: "slurmrestd accepted no job: \(object)") }
        return id
    }

    func job(_ id: Int) async throws -> SlurmJobState {
        guard let job = dialect.job(in: try await request(.GET, dialect.path("job/\(id)"))) else {
            throw SlurmError(description: "slurmrestd knows no job \(id)")
        }
        return job
    }

    /// A full cancel (SIGTERM, Slurm's KillWait, SIGKILL); a job that has ended is no error.
    func cancel(_ id: Int) async throws {
        _ = try await request(.DELETE, dialect.path("job/\(id)"))
    }

    func partition(_ name: String) async throws -> SlurmPartition {
        guard let partition = dialect.partition(in: try await request(.GET, dialect.path("partition/\(name)"))) else {
            throw SlurmError(description: "slurmrestd knows no partition \(name)")
        }
        return partition
    }

    func request(_ method: HTTPMethod, _ path: String, body: [String: Any]? = nil,
                 timeout: TimeAmount = .seconds(30)) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: "\(settings.url)/\(path)")
        request.method = method
        let token = (try? String(contentsOf: settings.tokenFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        request.headers.add(name: "X-SLURM-USER-NAME", value: settings.user)
        request.headers.add(name: "X-SLURM-USER-TOKEN", value: token)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let data = Data(buffer: try await response.body.collect(upTo: 16 << 20))
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        let errors = (object["errors"] as? [[String: Any]] ?? []).map { error in
            [error["error"], error["description"]].compactMap { $0 as? String }.filter { !$0.isEmpty }.joined(separator: ": ")
        }
        guard (200..<300).contains(response.status.code), errors.isEmpty else {
            let words = errors.isEmpty ? String(decoding: data.prefix(300), as: UTF8.self) : errors.joined(separator: "; ")
            throw SlurmError(status: response.status.code, description: "slurmrestd answered \(response.status.code) to \(method) \(path): \(words)")
        }
        return object
    }
}
