import Foundation

/// Left-aligned columns separated by two spaces, with a header row; long cells are cut
/// with an ellipsis so a row fits one line.
struct TextTable {
    let headers: [String]
    var rows: [[String]] = []
    var maxCellWidth = 48

    init(_ headers: String...) { self.headers = headers }

    mutating func add(_ cells: String...) { rows.append(cells) }

    var rendered: String {
        let cut = rows.map { $0.map { $0.count > maxCellWidth ? String($0.prefix(maxCellWidth - 1)) + "…" : $0 } }
        let widths = headers.indices.map { column in
            ([headers[column]] + cut.map { $0[column] }).map(\.count).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(headers)] + cut.map(line)).joined(separator: "\n")
    }
}

/// `2026-11-29T06:55:28.069000Z` → `2026-11-29 06:55:28`.
func shortTime(_ iso: String?) -> String {
    guard let iso, iso.count >= 19 else { return iso ?? "-" }
    return iso.prefix(10) + " " + iso.dropFirst(11).prefix(8)
}
