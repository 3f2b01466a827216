import Foundation
import GRDB
import CJRModel

/// Running out of room where the data directory lives: which errors mean it, and how much
/// room there is, for the answers and log lines that say so.
public enum StorageFailure {
    /// Below this much free space cjr warns (`cjr doctor`, the server's start-up log).
    public static let lowSpaceBytes: Int64 = 256 << 20

    /// Whether `error` means the disk, or the user's quota, is full.
    public static func isOutOfSpace(_ error: any Error) -> Bool {
        if let database = error as? DatabaseError { return database.resultCode == .SQLITE_FULL }
        if let failure = error as? POSIXFailure { return failure.code == ENOSPC || failure.code == EDQUOT }
        if let cocoa = error as? CocoaError, cocoa.code == .fileWriteOutOfSpace { return true }
        let error = error as NSError
        if error.domain == NSPOSIXErrorDomain { return error.code == Int(ENOSPC) || error.code == Int(EDQUOT) }
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return underlying.code == Int(ENOSPC) || underlying.code == Int(EDQUOT)
        }
        return false
    }

    /// Whether a failed store write may succeed when tried again: no room (until some is
    /// freed), or the database busy for a moment.
    public static func isTransient(_ error: any Error) -> Bool {
        if isOutOfSpace(error) { return true }
        guard let database = error as? DatabaseError else { return false }
        return [.SQLITE_BUSY, .SQLITE_LOCKED].contains(database.resultCode)
    }

    /// Bytes available to cjr on the file system holding `directory`.
    public static func freeBytes(at directory: URL) -> Int64? {
        var stats = statvfs()
        guard statvfs(directory.path, &stats) == 0 else { return nil }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }

    /// "the data directory /x has 0 bytes free", for messages.
    public static func situation(of data: DataDirectory) -> String {
        "the data directory \(data.root.path) has \(freeBytes(at: data.root).map(size) ?? "unknown space") free"
    }

    /// 0 bytes, 512 bytes, 1.5 KiB, 74.0 GiB.
    public static func size(_ bytes: Int64) -> String { ByteSize.text(bytes) }
}
