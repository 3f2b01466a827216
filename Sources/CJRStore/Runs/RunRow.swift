import GRDB
import CJRModel

struct RunRow: Encodable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "run"
    var seq: Int64?
    var id: String
    var jobId: String
    var statusId: String
    var description: String
    var status: String
    var entryPoint: String
    var environmentId: String
    var environmentVersionId: String
    var egressNetworkPolicy: String
    var resourceBundleId: String?
    var scheduledJobId: String?
    var parameterDefinitions: String
    var parameterValues: String
    var created: Int64
    var started: Int64?
    var ended: Int64?
    var exitCode: Int?
    var signal: Int?
    var endReason: String?
    var ownerPid: Int32?
    var ownerStartTime: Int64?
    var launcherPid: Int32?
    var launcherStartTime: Int64?
    var cgroup: String?
    var logBytes: Int64
    var logTruncated: Bool
    var jobType: String
    var sandbox: String?
    /// The user who started the run: its credentials, its API token's identity, its lane
    /// in the fair queue.
    var userId: String?
    /// What started it (``RunTrigger``).
    var trigger: String

    mutating func didInsert(_ inserted: InsertionSuccess) { seq = inserted.rowID }

    func model(items: [FileItem], queuePosition: Int?, json: StoredJSONCache = StoredJSONCache()) throws -> CustomJobRun {
        CustomJobRun(
            id: id, customJobId: jobId, jobStatusId: statusId, description: description,
            status: RunStatus(rawValue: status) ?? .failed, jobType: JobType(rawValue: jobType) ?? .default, entryPoint: entryPoint,
            environmentId: environmentId, environmentVersionId: environmentVersionId,
            resources: CustomJobResources(
                egressNetworkPolicy: EgressNetworkPolicy(rawValue: egressNetworkPolicy) ?? CustomJobResources.defaultEgress,
                resourceBundleId: resourceBundleId),
            items: items,
            runtimeParameterDefinitions: try json.decode([RuntimeParameterDefinition].self, parameterDefinitions),
            runtimeParameterValues: try json.decode([String: RuntimeParameterValue].self, parameterValues),
            scheduledJobId: scheduledJobId, created: Timestamp(microseconds: created),
            startedAt: started.map(Timestamp.init(microseconds:)), endedAt: ended.map(Timestamp.init(microseconds:)),
            exitCode: exitCode, signal: signal, endReason: endReason.flatMap(RunEndReason.init(rawValue:)),
            logBytes: logBytes, logTruncated: logTruncated, queuePosition: queuePosition,
            sandbox: try sandbox.map { try json.decode([String].self, $0) }, startedBy: userId,
            trigger: RunTrigger(rawValue: trigger) ?? .api)
    }
}

struct RunItemRow: Encodable, FetchableRecord, PersistableRecord, ItemColumns {
    static let databaseTableName = "runItem"
    var runId: String
    var id: String
    var filePath: String
    var fileName: String
    var fileSource: String
    var blobHash: String
    var size: Int64
    var created: Int64
}

extension RunRow {
    /// Read column by column, by lowercase name: GRDB finds those in one dictionary step,
    /// where the `Decodable` path lowercases every camelCase name and looks it up twice
    /// (13% of a page of 100 runs). An insert is written column by column too (`insertRow`);
    /// updates still go through `Encodable`.
    init(row: Row) throws {
        seq = try row.decode(forColumn: "seq")
        id = try row.decode(forColumn: "id")
        jobId = try row.decode(forColumn: "jobid")
        statusId = try row.decode(forColumn: "statusid")
        description = try row.decode(forColumn: "description")
        status = try row.decode(forColumn: "status")
        entryPoint = try row.decode(forColumn: "entrypoint")
        environmentId = try row.decode(forColumn: "environmentid")
        environmentVersionId = try row.decode(forColumn: "environmentversionid")
        egressNetworkPolicy = try row.decode(forColumn: "egressnetworkpolicy")
        resourceBundleId = try row.decode(forColumn: "resourcebundleid")
        scheduledJobId = try row.decode(forColumn: "scheduledjobid")
        parameterDefinitions = try row.decode(forColumn: "parameterdefinitions")
        parameterValues = try row.decode(forColumn: "parametervalues")
        created = try row.decode(forColumn: "created")
        started = try row.decode(forColumn: "started")
        ended = try row.decode(forColumn: "ended")
        exitCode = try row.decode(forColumn: "exitcode")
        signal = try row.decode(forColumn: "signal")
        endReason = try row.decode(forColumn: "endreason")
        ownerPid = try row.decode(forColumn: "ownerpid")
        ownerStartTime = try row.decode(forColumn: "ownerstarttime")
        launcherPid = try row.decode(forColumn: "launcherpid")
        launcherStartTime = try row.decode(forColumn: "launcherstarttime")
        cgroup = try row.decode(forColumn: "cgroup")
        logBytes = try row.decode(forColumn: "logbytes")
        logTruncated = try row.decode(forColumn: "logtruncated")
        jobType = try row.decode(forColumn: "jobtype")
        sandbox = try row.decode(forColumn: "sandbox")
        userId = try row.decode(forColumn: "userid")
        trigger = try row.decode(forColumn: "trigger")
    }
}

extension RunItemRow {
    /// Read column by column, by lowercase name (see `RunRow.init(row:)`).
    init(row: Row) throws {
        runId = try row.decode(forColumn: "runid")
        id = try row.decode(forColumn: "id")
        filePath = try row.decode(forColumn: "filepath")
        fileName = try row.decode(forColumn: "filename")
        fileSource = try row.decode(forColumn: "filesource")
        blobHash = try row.decode(forColumn: "blobhash")
        size = try row.decode(forColumn: "size")
        created = try row.decode(forColumn: "created")
    }
}

/// A row whose INSERT is written from a column list of its own, each column with how to
/// read its value: it needs neither GRDB's `Encodable` container nor its look-up of the
/// table's schema (a few tenths of a millisecond on a new connection, as every `cjr run`
/// has). A test holds each list to what `Encodable` writes and to the table's columns.
protocol ListedInsert: TableRecord {
    static var insertColumns: [(name: String, value: @Sendable (Self) -> (any DatabaseValueConvertible)?)] { get }
    /// ``makeInsertSQL()``, kept by each type in a `static let`.
    static var insertSQL: String { get }
}

extension ListedInsert {
    static func makeInsertSQL() -> String {
        "INSERT INTO \(databaseTableName) (\(insertColumns.map { "\"\($0.name)\"" }.joined(separator: ", "))) VALUES "
            + "(\(Array(repeating: "?", count: insertColumns.count).joined(separator: ", ")))"
    }

    func insertListed(_ db: Database) throws {
        try db.cachedStatement(sql: Self.insertSQL).execute(arguments: StatementArguments(Self.insertColumns.map { $0.value(self)?.databaseValue ?? .null }))
    }
}

extension RunRow: ListedInsert {
    static let insertColumns: [(name: String, value: @Sendable (RunRow) -> (any DatabaseValueConvertible)?)] = [
        ("seq", { $0.seq }),
        ("id", { $0.id }),
        ("jobId", { $0.jobId }),
        ("statusId", { $0.statusId }),
        ("description", { $0.description }),
        ("status", { $0.status }),
        ("entryPoint", { $0.entryPoint }),
        ("environmentId", { $0.environmentId }),
        ("environmentVersionId", { $0.environmentVersionId }),
        ("egressNetworkPolicy", { $0.egressNetworkPolicy }),
        ("resourceBundleId", { $0.resourceBundleId }),
        ("scheduledJobId", { $0.scheduledJobId }),
        ("parameterDefinitions", { $0.parameterDefinitions }),
        ("parameterValues", { $0.parameterValues }),
        ("created", { $0.created }),
        ("started", { $0.started }),
        ("ended", { $0.ended }),
        ("exitCode", { $0.exitCode }),
        ("signal", { $0.signal }),
        ("endReason", { $0.endReason }),
        ("ownerPid", { $0.ownerPid }),
        ("ownerStartTime", { $0.ownerStartTime }),
        ("launcherPid", { $0.launcherPid }),
        ("launcherStartTime", { $0.launcherStartTime }),
        ("cgroup", { $0.cgroup }),
        ("logBytes", { $0.logBytes }),
        ("logTruncated", { $0.logTruncated }),
        ("jobType", { $0.jobType }),
        ("sandbox", { $0.sandbox }),
        ("userId", { $0.userId }),
        ("trigger", { $0.trigger }),
    ]
    static let insertSQL = makeInsertSQL()

    /// Inserts the row and takes the `seq` SQLite gave it.
    mutating func insertRow(_ db: Database) throws {
        try insertListed(db)
        seq = db.lastInsertedRowID
    }
}

extension RunItemRow: ListedInsert {
    static let insertColumns: [(name: String, value: @Sendable (RunItemRow) -> (any DatabaseValueConvertible)?)] = [
        ("runId", { $0.runId }),
        ("id", { $0.id }),
        ("filePath", { $0.filePath }),
        ("fileName", { $0.fileName }),
        ("fileSource", { $0.fileSource }),
        ("blobHash", { $0.blobHash }),
        ("size", { $0.size }),
        ("created", { $0.created }),
    ]
    static let insertSQL = makeInsertSQL()
}
