import Foundation
import GRDB
import Testing
@testable import CJRStore

/// `RunRow` and `RunItemRow` write their inserts from a column list of their own: the list
/// must say what `Encodable` says, name every column of the table, and read back unchanged.
@Suite("Inserts written column by column")
struct RowInsertTests {
    private static func text(_ generator: inout SystemRandomNumberGenerator) -> String {
        ["", "plain", "quote \" and ' and \\", "é 😀"][Int.random(in: 0..<4, using: &generator)] + "\(UInt32.random(in: 0 ... .max, using: &generator))"
    }

    private static func maybe<T>(_ value: T, _ generator: inout SystemRandomNumberGenerator) -> T? {
        Bool.random(using: &generator) ? value : nil
    }

    static func randomRun(_ generator: inout SystemRandomNumberGenerator) -> RunRow {
        func t() -> String { text(&generator) }
        return RunRow(
            seq: nil, id: t(), jobId: t(), statusId: t(), description: t(), status: t(), entryPoint: t(), environmentId: t(),
            environmentVersionId: t(), egressNetworkPolicy: t(), resourceBundleId: maybe(t(), &generator),
            scheduledJobId: maybe(t(), &generator), parameterDefinitions: t(), parameterValues: t(),
            created: Int64.random(in: .min ... .max, using: &generator), started: maybe(Int64.random(in: 0 ... .max, using: &generator), &generator),
            ended: maybe(Int64.random(in: 0 ... .max, using: &generator), &generator),
            exitCode: maybe(Int.random(in: -1000...1000, using: &generator), &generator), signal: maybe(Int.random(in: 1...64, using: &generator), &generator),
            endReason: maybe(t(), &generator), ownerPid: maybe(Int32.random(in: 1 ... .max, using: &generator), &generator),
            ownerStartTime: maybe(Int64.random(in: 0 ... .max, using: &generator), &generator),
            launcherPid: maybe(Int32.random(in: 1 ... .max, using: &generator), &generator),
            launcherStartTime: maybe(Int64.random(in: 0 ... .max, using: &generator), &generator), cgroup: maybe(t(), &generator),
            logBytes: Int64.random(in: 0 ... .max, using: &generator), logTruncated: Bool.random(using: &generator), jobType: t(),
            sandbox: maybe(t(), &generator), userId: maybe(t(), &generator), trigger: t())
    }

    @Test("each column and value of the hand-written list is what Encodable writes, for rows with every optional set or not")
    func sameAsEncodable() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let run = Self.randomRun(&generator)
            let listed = Dictionary(uniqueKeysWithValues: RunRow.insertColumns.map { ($0.name, $0.value(run)?.databaseValue ?? .null) })
            #expect(try listed == run.databaseDictionary)
            let item = RunItemRow(runId: Self.text(&generator), id: Self.text(&generator), filePath: Self.text(&generator),
                                  fileName: Self.text(&generator), fileSource: Self.text(&generator), blobHash: Self.text(&generator),
                                  size: Int64.random(in: 0 ... .max, using: &generator), created: Int64.random(in: .min ... .max, using: &generator))
            let itemListed = Dictionary(uniqueKeysWithValues: RunItemRow.insertColumns.map { ($0.name, $0.value(item)?.databaseValue ?? .null) })
            #expect(try itemListed == item.databaseDictionary)
        }
    }

    @Test("the lists name every column of the migrated tables, and rows inserted with them read back unchanged")
    func everyColumnRoundTrips() async throws {
        try await withStore { store in
            try await store.database.writeWithoutTransaction { db in
                #expect(Set(try db.columns(in: "run").map(\.name)) == Set(RunRow.insertColumns.map(\.name)))
                #expect(Set(try db.columns(in: "runItem").map(\.name)) == Set(RunItemRow.insertColumns.map(\.name)))
                // Constraints aside (foreign keys to a job and a user: off outside a transaction), the values themselves.
                try db.execute(sql: "PRAGMA foreign_keys = OFF")
                defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
                var generator = SystemRandomNumberGenerator()
                for _ in 0..<50 {
                    var run = Self.randomRun(&generator)
                    try run.insertRow(db)
                    let seq = try #require(run.seq)
                    #expect(seq == db.lastInsertedRowID)
                    let read = try #require(try Row.fetchOne(db, sql: "SELECT * FROM run WHERE seq = ?", arguments: [seq]))
                    #expect(try RunRow(row: read).databaseDictionary == (try run.databaseDictionary))
                    let item = RunItemRow(runId: run.id, id: Self.text(&generator), filePath: Self.text(&generator), fileName: "f",
                                          fileSource: "local", blobHash: "h", size: 3, created: 1)
                    try item.insertListed(db)
                    let readItem = try #require(try Row.fetchOne(db, sql: "SELECT * FROM runItem WHERE runId = ? AND id = ?", arguments: [item.runId, item.id]))
                    #expect(try RunItemRow(row: readItem).databaseDictionary == (try item.databaseDictionary))
                }
            }
        }
    }
}
