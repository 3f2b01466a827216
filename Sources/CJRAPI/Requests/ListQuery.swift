import Hummingbird
import CJRModel

/// The query parameters of list endpoints, validated with errors naming the parameter.
extension Request {
    var pageRequest: PageRequest {
        get throws {
            let query = uri.queryParameters
            let offset: String? = query["offset"].map { String($0) }
            let limit: String? = query["limit"].map { String($0) }
            return try PageRequest(offset: offset, limit: limit)
        }
    }

    /// `search`, `jobType` (repeatable), `onlyRunning` of `GET /customJobs/`.
    var jobFilter: JobFilter {
        get throws {
            let query = uri.queryParameters
            var filter = JobFilter()
            filter.search = query["search"].map { String($0) }
            for raw in query[values: "jobType"] {
                for name in raw.split(separator: ",", omittingEmptySubsequences: false) {
                    filter.jobTypes.insert(try JobType.parse(String(name)))
                }
            }
            if let raw = query["onlyRunning"] {
                switch raw {
                case "true", "True": filter.onlyRunning = true
                case "false", "False": filter.onlyRunning = false
                default: throw CJRError.invalid("onlyRunning", "must be one of false, False, true, True; got '\(raw)'")
                }
            }
            return filter
        }
    }
}
