import ArgumentParser
import Foundation
import CJRStore

/// `--data-dir`, shared by every command that opens the store.
struct DataDirectoryOption: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (default: $XDG_DATA_HOME/cjr, else ~/.local/share/cjr).")
    var path: String?

    var directory: DataDirectory {
        guard let path else { return .default() }
        return DataDirectory(root: URL(fileURLWithPath: path))
    }
}
