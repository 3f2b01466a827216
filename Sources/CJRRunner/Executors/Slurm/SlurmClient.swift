import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The few calls of slurmrestd's API (v0.0.38) the executor makes: submit a batch job,
/// read its state, cancel it. Slurm reports errors in an `errors` array, often with 200 or
/// a misleading 500; both become a ``SlurmError`` with Slurm's own words.
struct SlurmClient: Sendable {
    let settings: SlurmSettings
    static let version = "v0.0.38"

    struct SlurmError: Error, CustomStringConvertible {
        let description: String
    }

    /// A job as `GET …/job/{id}` describes it.
    struct JobState: Sendable {
        var state: String
        var reason: String
        /// The raw wait status: the exit code is `>> 8`, a signal `& 0x7f`.
        var exitCode: Int
        var nodes: String
    }

    func submit(script: String, job: [String: Any]) async throws -> Int {
        let object = try await request(.POST, "job/submit", body: ["script": script, "job": job])
        guard let id = object["job_id"] as? Int else { throw SlurmError(description: "slurmrestd accepted no job: \(object)") }
        return id
    }

    func job(_ id: Int) async throws -> JobState {
        let object = try await request(.GET, "job/\(id)")
        guard let job = (object["jobs"] as? [[String: Any]])?.first else { throw SlurmError(description: "slurmrestd knows no job \(id)") }
        return JobState(state: job["job_state"] as? String ?? "UNKNOWN", reason: job["state_reason"] as? String ?? "",
                        exitCode: job["exit_code"] as? Int ?? 0, nodes: job["nodes"] as? String ?? "")
    }

    /// A full cancel (SIGTERM, Slurm's KillWait, SIGKILL); a job that has ended is no error.
    func cancel(_ id: Int) async throws {
        _ = try await request(.DELETE, "job/\(id)")
    }

    private func request(_ method: HTTPMethod, _ path: String, body: [String: Any]? = nil) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: "\(settings.url)/slurm/\(Self.version)/\(path)")
        request.method = method
        let token = (try? String(contentsOf: settings.tokenFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        request.headers.add(name: "X-SLURM-USER-NAME", value: settings.user)
        request.headers.add(name: "X-SLURM-USER-TOKEN", value: token)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let data = Data(buffer: try await response.body.collect(upTo: 16 << 20))
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        let errors = (object["errors"] as? [[String: Any]] ?? []).compactMap { $0["error"] as? String ?? $0["description"] as? String }
        guard (200..<300).contains(response.status.code), errors.isEmpty else {
            let words = errors.isEmpty ? String(decoding: data.prefix(300), as: UTF8.self) : errors.joined(separator: "; ")
            throw SlurmError(description: "slurmrestd answered \(response.status.code) to \(method) \(path): \(words)")
        }
        return object
    }
}
