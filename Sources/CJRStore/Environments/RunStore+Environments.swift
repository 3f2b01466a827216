import Foundation
import GRDB
import CJRModel

/// A new environment version as `cjr environments add` describes it.
public struct EnvironmentVersionSpec: Sendable {
    public var environmentName: String
    public var environmentDescription: String
    public var programmingLanguage: String
    public var label: String?
    public var description: String
    public var pathPrepend: [String]
    public var virtualEnv: String?

    public init(environmentName: String, environmentDescription: String = "", programmingLanguage: String = "other",
                label: String? = nil, description: String = "", pathPrepend: [String] = [], virtualEnv: String? = nil) {
        self.environmentName = environmentName
        self.environmentDescription = environmentDescription
        self.programmingLanguage = programmingLanguage
        self.label = label
        self.description = description
        self.pathPrepend = pathPrepend
        self.virtualEnv = virtualEnv
    }
}

extension RunStore {
    /// All environments, the built-in default first, then by creation.
    public func environments() async throws -> [ExecutionEnvironment] {
        try await database.read { db in
            // SQL rather than the query interface, which reads each table's schema first
            // (`cjr run` reads these on a fresh connection); cached: every run reads them.
            let rows = try EnvironmentRow.fetchAll(db.cachedStatement(sql: "SELECT * FROM environment ORDER BY created, id"))
            let versions = Dictionary(grouping: try EnvironmentVersionRow.fetchAll(db.cachedStatement(sql: "SELECT * FROM environmentVersion ORDER BY seq")),
                                      by: \.environmentId)
            return rows.map { row in
                ExecutionEnvironment(id: row.id, name: row.name, description: row.description,
                                     programmingLanguage: row.programmingLanguage,
                                     created: Timestamp(microseconds: row.created),
                                     versions: (versions[row.id] ?? []).map(\.model))
            }.sorted { $0.isBuiltIn && !$1.isBuiltIn }
        }
    }

    public func environment(id: String) async throws -> ExecutionEnvironment {
        guard let environment = try await environments().first(where: { $0.id == id }) else {
            throw CJRError.notFound("Execution environment \(id) not found.")
        }
        return environment
    }

    /// Adds a version to the environment named in `spec`, creating the environment first
    /// when it does not exist yet. Directories must be absolute and exist.
    public func addEnvironmentVersion(_ spec: EnvironmentVersionSpec) async throws -> (ExecutionEnvironment, ExecutionEnvironmentVersion) {
        try FieldLimits.validateName(spec.environmentName)
        if spec.environmentName == ExecutionEnvironment.defaultName {
            throw CJRError.invalid("name", "'\(ExecutionEnvironment.defaultName)' is built in and cannot take versions")
        }
        for directory in spec.pathPrepend + (spec.virtualEnv.map { [$0] } ?? []) {
            var isDirectory: ObjCBool = false
            guard directory.hasPrefix("/"), FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
                  isDirectory.boolValue else {
                throw CJRError.invalid("path", "'\(directory)' is not an absolute path to an existing directory")
            }
        }
        if let venv = spec.virtualEnv, !FileManager.default.fileExists(atPath: venv + "/bin") {
            throw CJRError.invalid("venv", "'\(venv)' has no bin/ folder; is it a virtual environment?")
        }
        let now = Timestamp.now().microseconds
        let versionId: String = try await database.write { db in
            let environment: EnvironmentRow
            if let existing = try EnvironmentRow.filter(Column("name") == spec.environmentName).fetchOne(db) {
                environment = existing
            } else {
                environment = EnvironmentRow(id: ObjectID.make(), name: spec.environmentName,
                                             description: spec.environmentDescription,
                                             programmingLanguage: spec.programmingLanguage, created: now)
                try environment.insert(db)
            }
            let count = try EnvironmentVersionRow.filter(Column("environmentId") == environment.id).fetchCount(db)
            let label = spec.label ?? "v\(count + 1)"
            guard label.count <= ExecutionEnvironmentVersion.labelLength, !label.isEmpty else {
                throw CJRError.invalid("label", "must be 1 to \(ExecutionEnvironmentVersion.labelLength) characters")
            }
            if try EnvironmentVersionRow.filter(Column("environmentId") == environment.id && Column("label") == label).fetchCount(db) > 0 {
                throw CJRError(.conflict, "environment '\(spec.environmentName)' already has a version labelled '\(label)'", field: "label")
            }
            let version = EnvironmentVersionRow(id: ObjectID.make(), environmentId: environment.id, label: label,
                                                description: spec.description, created: now,
                                                pathPrepend: try storedJSON(spec.pathPrepend), virtualEnv: spec.virtualEnv)
            try version.insert(db)
            return version.id
        }
        let all = try await environments()
        guard let environment = all.first(where: { $0.versions.contains { $0.id == versionId } }),
              let version = environment.versions.first(where: { $0.id == versionId }) else {
            throw CJRError.notFound("Execution environment version \(versionId) vanished.")
        }
        return (environment, version)
    }
}
