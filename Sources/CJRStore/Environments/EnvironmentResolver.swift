import GRDB
import CJRModel

/// Turns the `environmentId`/`environmentVersionId` of a request into a stored pair:
/// neither given → the default environment's latest version; only the environment → its
/// latest version; only a version → that version's environment; both → they must match.
struct EnvironmentResolver {
    let db: Database

    func resolve(environmentId: String?, versionId: String?) throws -> (environment: String, version: String) {
        if let versionId {
            guard let version = try EnvironmentVersionRow.filter(Column("id") == versionId).fetchOne(db) else {
                throw CJRError.invalid("environmentVersionId", "unknown execution environment version '\(versionId)'")
            }
            if let environmentId, environmentId != version.environmentId {
                throw CJRError.invalid("environmentVersionId",
                    "version '\(versionId)' belongs to environment \(version.environmentId), not \(environmentId)")
            }
            return (version.environmentId, version.id)
        }
        let environment = environmentId ?? ExecutionEnvironment.defaultID
        guard try EnvironmentRow.exists(db, key: environment) else {
            throw CJRError.invalid("environmentId", "unknown execution environment '\(environment)'")
        }
        guard let latest = try EnvironmentVersionRow.filter(Column("environmentId") == environment)
            .order(Column("seq").desc).fetchOne(db) else {
            throw CJRError.invalid("environmentId", "execution environment '\(environment)' has no version")
        }
        return (environment, latest.id)
    }
}
