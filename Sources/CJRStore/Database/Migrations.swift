import Foundation
import GRDB
import CJRModel

/// The schema, as an append-only list of migrations: a released migration is never edited,
/// a change is a new one. GRDB records which have run in `grdb_migrations`.
enum Migrations {
    /// The migrations of the store in `directory` (v7 moves run logs out into its files).
    static func migrator(for directory: DataDirectory) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: users, environments, jobs, items, runtime parameters") { db in
            try createUsersAndTokens(db)
            try createEnvironments(db)
            try createJobs(db)
        }
        migrator.registerMigration("v2: runs, run snapshots, run logs") { db in
            try createRuns(db)
        }
        migrator.registerMigration("v3: credentials") { db in
            try db.create(table: "credential") { table in
                table.primaryKey("id", .text)
                table.column("name", .text).notNull().unique()
                table.column("credentialType", .text).notNull()
                table.column("description", .text).notNull()
                table.column("created", .integer).notNull()
                table.column("fieldNames", .text).notNull() // JSON array: which fields are set
                table.column("secret", .blob).notNull() // AES-GCM sealed JSON of the fields
            }
        }
        migrator.registerMigration("v4: a run's job type") { db in
            try db.alter(table: "run") { table in
                table.add(column: "jobType", .text).notNull().defaults(to: JobType.default.rawValue)
            }
        }
        migrator.registerMigration("v5: the protections a run got") { db in
            try db.alter(table: "run") { table in
                table.add(column: "sandbox", .text) // JSON array, set when the launcher starts
            }
        }
        migrator.registerMigration("v6: teams: organizations, groups, job roles, owned credentials, who started a run") { db in
            try TeamMigration.apply(db)
        }
        migrator.registerMigration("v7: run logs in files, one per run") { db in
            try moveLogsToFiles(db, directory: directory)
        }
        migrator.registerMigration("v8: schedules") { db in
            try createSchedules(db)
        }
        migrator.registerMigration("v9: what started a run") { db in
            try db.alter(table: "run") { table in
                table.add(column: "trigger", .text).notNull().defaults(to: RunTrigger.api.rawValue)
            }
            try db.execute(sql: "UPDATE run SET trigger = 'schedule' WHERE scheduledJobId IS NOT NULL")
            try db.execute(sql: "UPDATE run SET trigger = 'cli' WHERE description LIKE 'cjr run %'")
        }
        migrator.registerMigration("v10: each job's run count, kept by triggers") { db in
            // A job's runs list says how many runs it has: counted here once, then kept in the
            // same transaction as every insert and delete, instead of walking the job's runs
            // (90,000 of them: 2.4 ms) for every page.
            try db.alter(table: "job") { table in
                table.add(column: "runCount", .integer).notNull().defaults(to: 0)
            }
            try db.execute(sql: """
                UPDATE job SET runCount = (SELECT COUNT(*) FROM run WHERE run.jobId = job.id);
                CREATE TRIGGER run_counted AFTER INSERT ON run BEGIN
                    UPDATE job SET runCount = runCount + 1 WHERE id = NEW.jobId;
                END;
                CREATE TRIGGER run_uncounted AFTER DELETE ON run BEGIN
                    UPDATE job SET runCount = runCount - 1 WHERE id = OLD.jobId;
                END;
                """)
        }
        migrator.registerMigration("v11: a generation of what the jobs lists count, kept by triggers") { db in
            try createJobListGeneration(db)
        }
        migrator.registerMigration("v12: live jobs by description") { db in
            // `cjr run` finds its folder's job by its description ("Made by cjr run from …"):
            // one index step instead of a walk of every live job (10,000: 2-3 ms a start).
            try db.create(index: "job_by_description", on: "job", columns: ["description"], condition: Column("deleted") == nil)
        }
        migrator.registerMigration("v13: a count of runs removed, kept by a trigger") { db in
            // Moved by every run deleted (prune, purge): runs counted across jobs are kept in
            // memory beside it (``VisibleJobsCache``) and counted again once it moved.
            try db.execute(sql: """
                CREATE TABLE runRemovals (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
                INSERT INTO runRemovals VALUES (1, 0);
                CREATE TRIGGER run_removed AFTER DELETE ON run BEGIN UPDATE runRemovals SET value = value + 1; END;
                """)
        }
        return migrator
    }

    /// One number that every change to what a jobs list counts moves on: a job created,
    /// deleted, renamed or retyped; a role given, changed or taken; a group's members; a
    /// user's organization. Runs leave it be. A list's count is kept in memory beside the
    /// number it was taken at (``JobCountCache``), and counted again only once it moved.
    private static func createJobListGeneration(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE jobListGeneration (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
            INSERT INTO jobListGeneration VALUES (1, 0);
            """)
        let changes = [
            ("job_created", "INSERT ON job"), ("job_removed", "DELETE ON job"),
            ("job_changed", "UPDATE OF deleted, name, description, jobType ON job"),
            ("role_given", "INSERT ON jobRole"), ("role_taken", "DELETE ON jobRole"), ("role_changed", "UPDATE ON jobRole"),
            ("member_added", "INSERT ON groupMember"), ("member_removed", "DELETE ON groupMember"),
            ("member_changed", "UPDATE ON groupMember"), ("organization_changed", "UPDATE OF organizationId ON user"),
        ]
        for (name, event) in changes {
            try db.execute(sql: "CREATE TRIGGER jobList_\(name) AFTER \(event) BEGIN UPDATE jobListGeneration SET value = value + 1; END")
        }
    }

    /// Writes each run's log chunks, in order, to its file, then drops the chunk table. A
    /// crash midway rolls the database back and leaves files the next attempt overwrites.
    private static func moveLogsToFiles(_ db: Database, directory: DataDirectory) throws {
        try FileManager.default.createDirectory(at: directory.logs, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for runId in try String.fetchAll(db, sql: "SELECT DISTINCT runId FROM runLog") {
            var offset: Int64 = 0
            let chunks = try Row.fetchCursor(db, sql: "SELECT data FROM runLog WHERE runId = ? ORDER BY seq", arguments: [runId])
            while let chunk = try chunks.next() {
                let data: Data = chunk["data"]
                try RunStore.write(Array(data), to: directory.logFile(runId: runId), at: offset)
                offset += Int64(data.count)
            }
            try db.execute(sql: "UPDATE run SET logBytes = ? WHERE id = ?", arguments: [offset, runId])
        }
        try db.drop(table: "runLog")
    }

    private static func createSchedules(_ db: Database) throws {
        try db.create(table: "schedule") { table in
            table.autoIncrementedPrimaryKey("seq") // list order: oldest first
            table.column("id", .text).notNull().unique()
            table.column("jobId", .text).notNull().references("job", column: "id", onDelete: .cascade)
            table.column("scheduledJobId", .text).notNull().unique()
            table.column("cron", .text).notNull() // JSON {minute, hour, dayOfMonth, month, dayOfWeek}: a list, or null for every value
            table.column("timeZone", .text)
            table.column("parameterOverrides", .text).notNull() // JSON [{fieldName, type, value}]
            table.column("created", .integer).notNull()
            table.column("updated", .integer).notNull()
            table.column("createdBy", .text).notNull().references("user")
            table.column("updatedBy", .text).notNull().references("user")
            table.column("nextRunAt", .integer)
            table.column("lastFiredAt", .integer)
            table.column("lastRunId", .text)
            table.column("skippedFirings", .integer).notNull().defaults(to: 0)
            table.column("lastError", .text)
        }
        try db.create(index: "schedule_by_job", on: "schedule", columns: ["jobId", "seq"])
        try db.create(index: "schedule_by_due", on: "schedule", columns: ["nextRunAt"])
        // A schedule's runs: the skip-while-running check and `runs/?scheduledJobId=`.
        try db.create(index: "run_by_schedule", on: "run", columns: ["scheduledJobId", "seq"], condition: Column("scheduledJobId") != nil)
    }

    private static func createUsersAndTokens(_ db: Database) throws {
        try db.create(table: "user") { table in
            table.primaryKey("id", .text)
            table.column("username", .text).notNull().unique()
            table.column("created", .integer).notNull()
        }
        try db.create(table: "token") { table in
            table.primaryKey("id", .text)
            table.column("userId", .text).notNull().references("user", onDelete: .cascade)
            // SHA-256 of the secret; the secret itself is never stored.
            table.column("secretHash", .text).notNull().unique()
            table.column("purpose", .text).notNull()
            table.column("created", .integer).notNull()
            table.column("expires", .integer)
            table.column("revoked", .integer)
        }
    }

    private static func createEnvironments(_ db: Database) throws {
        try db.create(table: "environment") { table in
            table.primaryKey("id", .text)
            table.column("name", .text).notNull().unique()
            table.column("description", .text).notNull()
            table.column("programmingLanguage", .text).notNull()
            table.column("created", .integer).notNull()
        }
        try db.create(table: "environmentVersion") { table in
            table.autoIncrementedPrimaryKey("seq")
            table.column("id", .text).notNull().unique()
            table.column("environmentId", .text).notNull().references("environment", onDelete: .cascade)
            table.column("label", .text).notNull()
            table.column("description", .text).notNull()
            table.column("created", .integer).notNull()
            table.column("pathPrepend", .text).notNull() // JSON array of directories
            table.column("virtualEnv", .text)
            table.uniqueKey(["environmentId", "label"])
        }
        let now = Timestamp.now().microseconds
        try db.execute(
            sql: "INSERT INTO environment (id, name, description, programmingLanguage, created) VALUES (?, ?, ?, ?, ?)",
            arguments: [ExecutionEnvironment.defaultID, ExecutionEnvironment.defaultName,
                        "The host's own interpreters with a minimal PATH (\(ExecutionEnvironment.defaultPath.joined(separator: ":"))).",
                        "other", now])
        try db.execute(
            sql: """
                INSERT INTO environmentVersion (id, environmentId, label, description, created, pathPrepend)
                VALUES (?, ?, 'host', 'The host as it is.', ?, '[]')
                """,
            arguments: [ExecutionEnvironment.defaultVersionID, ExecutionEnvironment.defaultID, now])
    }

    private static func createJobs(_ db: Database) throws {
        try db.create(table: "blob") { table in
            table.primaryKey("hash", .text)
            table.column("size", .integer).notNull()
        }
        try db.create(table: "job") { table in
            // `seq` gives the stable newest-first order of lists.
            table.autoIncrementedPrimaryKey("seq")
            table.column("id", .text).notNull().unique()
            table.column("name", .text).notNull()
            table.column("description", .text).notNull()
            table.column("jobType", .text).notNull()
            table.column("entryPoint", .text)
            table.column("environmentId", .text).notNull().references("environment")
            table.column("environmentVersionId", .text).notNull().references("environmentVersion", column: "id")
            table.column("egressNetworkPolicy", .text).notNull()
            table.column("resourceBundleId", .text)
            table.column("ownerId", .text).references("user", onDelete: .setNull)
            table.column("created", .integer).notNull()
            table.column("updated", .integer).notNull()
            table.column("deleted", .integer)
        }
        try db.create(index: "job_by_deleted", on: "job", columns: ["deleted", "seq"])
        try db.create(table: "jobItem") { table in
            table.primaryKey("id", .text)
            table.column("jobId", .text).notNull().references("job", column: "id", onDelete: .cascade)
            table.column("filePath", .text).notNull()
            table.column("fileName", .text).notNull()
            table.column("fileSource", .text).notNull()
            table.column("blobHash", .text).notNull().references("blob")
            table.column("size", .integer).notNull()
            table.column("created", .integer).notNull()
            table.uniqueKey(["jobId", "filePath"])
        }
        try db.create(index: "jobItem_by_blob", on: "jobItem", columns: ["blobHash"])
        try db.create(table: "runtimeParameterDefinition") { table in
            table.column("jobId", .text).notNull().references("job", column: "id", onDelete: .cascade)
            table.column("position", .integer).notNull()
            table.column("fieldName", .text).notNull()
            table.column("definition", .text).notNull() // JSON of RuntimeParameterDefinition
            table.primaryKey(["jobId", "fieldName"])
        }
        try db.create(table: "runtimeParameterValue") { table in
            table.column("jobId", .text).notNull().references("job", column: "id", onDelete: .cascade)
            table.column("fieldName", .text).notNull()
            table.column("value", .text).notNull() // JSON of RuntimeParameterValue
            table.primaryKey(["jobId", "fieldName"])
        }
    }

    private static func createRuns(_ db: Database) throws {
        try db.create(table: "run") { table in
            // `seq` orders lists (newest first) and the queue (oldest first).
            table.autoIncrementedPrimaryKey("seq")
            table.column("id", .text).notNull().unique()
            table.column("jobId", .text).notNull().references("job", column: "id", onDelete: .cascade)
            table.column("statusId", .text).notNull().unique()
            table.column("description", .text).notNull()
            table.column("status", .text).notNull()
            table.column("entryPoint", .text).notNull()
            table.column("environmentId", .text).notNull()
            table.column("environmentVersionId", .text).notNull()
            table.column("egressNetworkPolicy", .text).notNull()
            table.column("resourceBundleId", .text)
            table.column("scheduledJobId", .text)
            table.column("parameterDefinitions", .text).notNull() // JSON [RuntimeParameterDefinition]
            table.column("parameterValues", .text).notNull() // JSON {fieldName: value}, what the run receives
            table.column("created", .integer).notNull()
            table.column("started", .integer)
            table.column("ended", .integer)
            table.column("exitCode", .integer)
            table.column("signal", .integer)
            table.column("endReason", .text)
            // The process that claimed the run (a server or `cjr run`), and the launcher it
            // started, each with its kernel start time so a reused pid is never mistaken.
            table.column("ownerPid", .integer)
            table.column("ownerStartTime", .integer)
            table.column("launcherPid", .integer)
            table.column("launcherStartTime", .integer)
            table.column("cgroup", .text)
            table.column("logBytes", .integer).notNull().defaults(to: 0)
            table.column("logTruncated", .boolean).notNull().defaults(to: false)
        }
        try db.create(index: "run_by_job", on: "run", columns: ["jobId", "seq"])
        try db.create(index: "run_by_status", on: "run", columns: ["status", "started"])
        try db.create(table: "runItem") { table in
            table.column("runId", .text).notNull().references("run", column: "id", onDelete: .cascade)
            table.column("id", .text).notNull()
            table.column("filePath", .text).notNull()
            table.column("fileName", .text).notNull()
            table.column("fileSource", .text).notNull()
            table.column("blobHash", .text).notNull().references("blob")
            table.column("size", .integer).notNull()
            table.column("created", .integer).notNull()
            table.primaryKey(["runId", "id"])
        }
        try db.create(index: "runItem_by_blob", on: "runItem", columns: ["blobHash"])
        try db.create(table: "runLog") { table in
            table.column("runId", .text).notNull().references("run", column: "id", onDelete: .cascade)
            table.column("seq", .integer).notNull()
            table.column("data", .blob).notNull()
            table.primaryKey(["runId", "seq"])
        }
    }
}
