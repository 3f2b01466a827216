import Foundation
import CJRClient

/// What a user may type for a job or a run: its full ID, a unique start of it (at least
/// four characters, as `docker` takes), or, for a job, its name. Ambiguity is an error
/// that lists the candidates.
struct References {
    let api: ServerClient

    static let minimumPrefix = 4

    private struct JobEntry: Decodable, Sendable {
        var id: String
        var name: String
    }

    /// The job's ID: a full ID as it is, else an exact name, else a unique ID prefix.
    func job(_ text: String) async throws -> String {
        if Self.isFullID(text) { return text }
        let jobs = try await api.all("customJobs/?limit=1000", as: JobEntry.self).items
        let named = jobs.filter { $0.name == text }
        if named.count == 1 { return named[0].id }
        if named.count > 1 {
            throw ClientError("\(named.count) jobs are named '\(text)': \(Self.list(named.map { "\($0.id) (\($0.name))" })); use an ID")
        }
        guard Self.isPrefix(text) else {
            throw ClientError("no job is named '\(text)'" + (text.count < Self.minimumPrefix && text.allSatisfy(\.isHexDigit)
                ? " (an ID prefix needs at least \(Self.minimumPrefix) characters)" : ""))
        }
        let matches = jobs.filter { $0.id.hasPrefix(text.lowercased()) }
        switch matches.count {
        case 1: return matches[0].id
        case 0: throw ClientError("no job is named '\(text)' or has an ID starting with it")
        default: throw ClientError("'\(text)' starts \(matches.count) jobs' IDs: \(Self.list(matches.map { "\($0.id) (\($0.name))" })); give more of it")
        }
    }

    /// The run's ID and its job's: `job` (already resolved) narrows the search.
    func run(_ text: String, job: String?) async throws -> (jobId: String, runId: String) {
        guard Self.isPrefix(text) else {
            throw ClientError("'\(text)' is not a run ID or the start of one (at least \(Self.minimumPrefix) hex digits)")
        }
        if Self.isFullID(text), let job { return (job, text) }
        var path = "customJobRuns/?limit=6&idPrefix=\(text.lowercased())"
        if let job { path += "&customJobId=\(job)" }
        let matches = try await api.json(.get, path).decoded(as: ListView<RunView>.self)
        switch matches.data.count {
        case 1: return (matches.data[0].customJobId, matches.data[0].id)
        case 0: throw ClientError("no run\(job.map { " of job \($0)" } ?? "") has an ID starting with '\(text)'")
        default:
            let shown = matches.data.prefix(5).map { "\($0.id) (\($0.customJobName ?? $0.customJobId))" }
            throw ClientError("'\(text)' starts \((matches.totalCount ?? matches.data.count)) runs' IDs: \(Self.list(shown))"
                              + (matches.data.count > 5 ? ", …" : "") + "; give more of it")
        }
    }

    static func isFullID(_ text: String) -> Bool {
        text.count == 24 && text.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    static func isPrefix(_ text: String) -> Bool {
        (minimumPrefix...24).contains(text.count) && text.allSatisfy(\.isHexDigit)
    }

    private static func list(_ items: [String]) -> String { items.joined(separator: ", ") }
}
