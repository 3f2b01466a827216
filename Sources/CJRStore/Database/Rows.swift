import Foundation
import GRDB
import CJRModel

/// Row types: the database's shape of the model, kept apart so the model stays free of
/// GRDB and the schema can change without touching it.
struct JobRow: Encodable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "job"
    /// The integer primary key: insertion order, for stable newest-first lists.
    var seq: Int64?
    var id: String
    var name: String
    var description: String
    var jobType: String
    var entryPoint: String?
    var environmentId: String
    var environmentVersionId: String
    var egressNetworkPolicy: String
    var resourceBundleId: String?
    var ownerId: String?
    var created: Int64
    var updated: Int64
    var deleted: Int64?

    mutating func didInsert(_ inserted: InsertionSuccess) { seq = inserted.rowID }
}

/// The columns job items and run items share (a run item is a job item, snapshotted).
protocol ItemColumns {
    var id: String { get }
    var filePath: String { get }
    var fileName: String { get }
    var fileSource: String { get }
    var blobHash: String { get }
    var size: Int64 { get }
    var created: Int64 { get }
}

extension ItemColumns {
    var model: FileItem {
        FileItem(id: id, filePath: filePath, fileName: fileName, fileSource: fileSource,
                 contentHash: blobHash, size: size, created: Timestamp(microseconds: created))
    }
}

struct JobItemRow: Encodable, FetchableRecord, PersistableRecord, ItemColumns {
    static let databaseTableName = "jobItem"
    var id: String
    var jobId: String
    var filePath: String
    var fileName: String
    var fileSource: String
    var blobHash: String
    var size: Int64
    var created: Int64
}

extension JobRow {
    /// Read column by column, by lowercase name (see `RunRow.init(row:)`).
    init(row: Row) throws {
        seq = try row.decode(forColumn: "seq")
        id = try row.decode(forColumn: "id")
        name = try row.decode(forColumn: "name")
        description = try row.decode(forColumn: "description")
        jobType = try row.decode(forColumn: "jobtype")
        entryPoint = try row.decode(forColumn: "entrypoint")
        environmentId = try row.decode(forColumn: "environmentid")
        environmentVersionId = try row.decode(forColumn: "environmentversionid")
        egressNetworkPolicy = try row.decode(forColumn: "egressnetworkpolicy")
        resourceBundleId = try row.decode(forColumn: "resourcebundleid")
        ownerId = try row.decode(forColumn: "ownerid")
        created = try row.decode(forColumn: "created")
        updated = try row.decode(forColumn: "updated")
        deleted = try row.decode(forColumn: "deleted")
    }
}

extension JobItemRow {
    /// Read column by column, by lowercase name (see `RunRow.init(row:)`).
    init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        jobId = try row.decode(forColumn: "jobid")
        filePath = try row.decode(forColumn: "filepath")
        fileName = try row.decode(forColumn: "filename")
        fileSource = try row.decode(forColumn: "filesource")
        blobHash = try row.decode(forColumn: "blobhash")
        size = try row.decode(forColumn: "size")
        created = try row.decode(forColumn: "created")
    }
}

struct EnvironmentRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "environment"
    var id: String
    var name: String
    var description: String
    var programmingLanguage: String
    var created: Int64
}

struct EnvironmentVersionRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "environmentVersion"
    var id: String
    var environmentId: String
    var label: String
    var description: String
    var created: Int64
    var pathPrepend: String
    var virtualEnv: String?

    var model: ExecutionEnvironmentVersion {
        let directories = (try? JSONDecoder().decode([String].self, from: Data(pathPrepend.utf8))) ?? []
        return ExecutionEnvironmentVersion(id: id, environmentId: environmentId, label: label,
                                           description: description, created: Timestamp(microseconds: created),
                                           pathPrepend: directories, virtualEnv: virtualEnv)
    }
}

extension JSONEncoder {
    /// Sorted keys: stored JSON is stable, so equal values compare equal in SQL.
    static let stored: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

func storedJSON(_ value: some Encodable) throws -> String {
    String(decoding: try JSONEncoder.stored.encode(value), as: UTF8.self)
}

/// A JSON array of `strings`, for `json_each(?)`, which reads back exactly these strings;
/// written directly (Foundation's encoder took a third of assembling a page of jobs, for
/// three arrays of 100 IDs).
func jsonArray(_ strings: some Collection<String>) -> String {
    var bytes: [UInt8] = [UInt8(ascii: "[")]
    bytes.reserveCapacity(2 + strings.count * 27)
    for (index, string) in strings.enumerated() {
        if index > 0 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes += [UInt8(ascii: "\\"), byte]
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
    bytes.append(UInt8(ascii: "]"))
    return String(decoding: bytes, as: UTF8.self)
}

/// A JSON array of `numbers`, for `json_each(?)`.
func jsonArray(_ numbers: some Collection<Int64>) -> String {
    "[" + numbers.map(String.init).joined(separator: ",") + "]"
}

func decodeStoredJSON<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
    try JSONDecoder().decode(type, from: Data(text.utf8))
}

/// Decodes stored JSON columns, each distinct text once: the runs of a page mostly share
/// their job's definitions, values and protections, so a page of 100 runs decodes a few
/// documents instead of 300. Lives for one read.
final class StoredJSONCache {
    private var decoded: [String: Any] = [:]

    func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        let key = "\(T.self)\u{0}\(text)"
        if let hit = decoded[key] as? T { return hit }
        let value = try decodeStoredJSON(type, text)
        decoded[key] = value
        return value
    }
}
