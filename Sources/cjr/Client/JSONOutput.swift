import ArgumentParser
import Foundation

/// `--json` for the commands that read the data directory (`users`, `groups`, `tokens`,
/// `environments`): a JSON array of what the table shows, keys sorted, times in ISO 8601.
struct JSONOutputOption: ParsableArguments {
    @Flag(help: "Print JSON instead of a table.") var json = false

    func print(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        Swift.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
