/// The kinds of custom job the platform knows. The type changes nothing about how a run
/// executes; it decides which job-type-specific variables a run receives.
public enum JobType: String, Sendable, Codable, CaseIterable {
    case `default`
    case hostedCustomMetric
    case notification
    case retraining

    public static func parse(_ text: String, field: String = "jobType") throws(CJRError) -> JobType {
        guard let value = JobType(rawValue: text) else {
            throw .invalid(field, "'\(text)' is not one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}

/// Whether a run may reach the network: `none` (AF_UNIX only) or `public`.
public enum EgressNetworkPolicy: String, Sendable, Codable, CaseIterable {
    case none
    case `public`

    public static func parse(_ text: String, field: String) throws(CJRError) -> EgressNetworkPolicy {
        guard let value = EgressNetworkPolicy(rawValue: text) else {
            throw .invalid(field, "'\(text)' is not one of none, public")
        }
        return value
    }
}

/// The `resources` object of a job and of each run.
public struct CustomJobResources: Sendable, Equatable, Codable {
    /// The platform's default for new custom jobs is public egress; cjr follows it so a job
    /// that calls back into the API behaves the same before and after upload.
    public static let defaultEgress: EgressNetworkPolicy = .public

    public var egressNetworkPolicy: EgressNetworkPolicy
    public var resourceBundleId: String?

    public init(egressNetworkPolicy: EgressNetworkPolicy = Self.defaultEgress, resourceBundleId: String? = nil) {
        self.egressNetworkPolicy = egressNetworkPolicy
        self.resourceBundleId = resourceBundleId
    }
}
