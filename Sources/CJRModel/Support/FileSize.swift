import Foundation

public enum FileSize {
    /// The size of the file at `path`, links followed, by `stat`; nil when it cannot be
    /// read. Not `FileManager.attributesOfItem`: on Linux that also looks up the owner's
    /// and group's names, asking the name service (nsswitch, nscd) twice per file.
    public static func of(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }
}
