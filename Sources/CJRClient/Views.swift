import Foundation
import CJRModel

/// The parts of the API's answers the `cjr` client shows; everything else is in `--json`.
public struct ListView<Element: Decodable & Sendable>: Decodable, Sendable {
    public var data: [Element]
    public var next: String?
    public var totalCount: Int?
}

public struct JobView: Decodable, Sendable {
    public struct Item: Decodable, Sendable {
        public var id: String
        public var filePath: String
    }

    public struct Parameter: Decodable, Sendable {
        public var fieldName: String
        public var type: String
        public var currentValue: JSONText?
        public var description: String?
    }

    public struct Resources: Decodable, Sendable {
        public var egressNetworkPolicy: String
        public var resourceBundleId: String?
    }

    public var id: String
    public var name: String
    public var description: String?
    public var jobType: String?
    public var entryPoint: String?
    public var environmentId: String?
    public var created: String
    public var lastRun: String?
    public var items: [Item]
    public var resources: Resources?
    public var runtimeParameters: [Parameter]?

    /// The entry point's path, if the job has one.
    public var entryPointPath: String? { items.first { $0.id == entryPoint }?.filePath }
}

public struct RunView: Decodable, Sendable {
    public var id: String
    public var customJobId: String
    /// Only in lists across jobs (`customJobRuns/`).
    public var customJobName: String?
    public var startedAt: String?
    public var description: String?
    public var status: String
    public var duration: Double
    public var created: String
    public var exitCode: Int?
    public var signal: Int?
    public var endReason: String?
    public var queuePosition: Int?
    public var logSize: Int64?

    public var isFinal: Bool { RunStatus(rawValue: status)?.isFinal ?? true }
}

public struct ScheduleView: Decodable, Sendable {
    /// The API's five lists, each of integers or `"*"`.
    public struct Fields: Decodable, Sendable {
        public var minute: [CronSchedule.Entry]
        public var hour: [CronSchedule.Entry]
        public var dayOfMonth: [CronSchedule.Entry]
        public var month: [CronSchedule.Entry]
        public var dayOfWeek: [CronSchedule.Entry]

        /// As cron text (`*/5 * * * *`); nil if the server sent something cron cannot say.
        public var cronText: String? {
            let schedule = try? CronSchedule(entries: [.minute: minute, .hour: hour, .dayOfMonth: dayOfMonth, .month: month,
                                                       .dayOfWeek: dayOfWeek])
            return schedule.map(CronText.format)
        }
    }

    public var id: String
    public var customJobId: String
    public var scheduledJobId: String
    public var schedule: Fields
    public var timeZone: String?
    public var nextRunAt: String?
    public var lastRunId: String?
    public var skippedFirings: Int?
    public var lastError: String?
}

public struct LimitsView: Decodable, Sendable {
    public var maxCustomJobRuns: Int
    public var maxCustomJobTimeout: Int
}

public struct TemplateView: Decodable, Sendable {
    public var id: String
    public var name: String
    public var description: String
    public var jobType: String
    public var filePaths: [String]
    public var runtimeParameters: [JobView.Parameter]?
}

/// Any JSON value, shown as text: strings as they are, everything else as JSON.
public struct JSONText: Decodable, Sendable, CustomStringConvertible {
    public let description: String

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) { description = text }
        else if let flag = try? container.decode(Bool.self) { description = flag ? "true" : "false" }
        else if let number = try? container.decode(Double.self) {
            description = number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        } else { description = "null" }
    }
}

extension Data {
    /// Decodes an API answer, or says which answer did not fit.
    public func decoded<Value: Decodable>(as type: Value.Type) throws -> Value {
        do {
            return try JSONDecoder().decode(type, from: self)
        } catch {
            throw ClientError("unexpected answer from the server (\(Value.self)): \(error)")
        }
    }

    /// List pages as one list document, for `--json`: every page's `data` in order, with
    /// `count` and `totalCount` of the whole and no `next`/`previous`.
    public static func mergedPages(_ pages: [Data]) -> Data {
        var items: [Any] = []
        for page in pages {
            items += ((try? JSONSerialization.jsonObject(with: page)) as? [String: Any])?["data"] as? [Any] ?? []
        }
        let document: [String: Any] = ["count": items.count, "data": items, "next": NSNull(), "previous": NSNull(), "totalCount": items.count]
        return (try? JSONSerialization.data(withJSONObject: document)) ?? Data("{}".utf8)
    }

    /// The answer as indented JSON with sorted keys, for `--json`.
    public var prettyJSON: String {
        guard let object = try? JSONSerialization.jsonObject(with: self, options: [.fragmentsAllowed]),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed]) else {
            return String(decoding: self, as: UTF8.self)
        }
        return String(decoding: data, as: UTF8.self)
    }
}
