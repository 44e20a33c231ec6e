/// A plain-text table: a header row in capitals and left-aligned columns separated by two spaces.
/// Cells may hold colour escapes (see ``TextStyle``): columns are as wide as what a terminal shows.
struct TextTable: Sendable {
  /// The column titles.
  var header: [String]
  /// The rows; each has as many cells as the header.
  var rows: [[String]] = []

  /// Creates an empty table with these column titles.
  init(_ header: [String]) {
    self.header = header
  }

  /// Appends a row.
  mutating func append(_ row: [String]) {
    rows.append(row)
  }

  /// The table as lines of text, each ending in a newline; the last column is not padded.
  func rendered() -> String {
    let all = [header] + rows
    var widths = [Int](repeating: 0, count: header.count)
    for row in all {
      for (column, cell) in row.enumerated() where column < widths.count {
        widths[column] = max(widths[column], cell.visibleWidth)
      }
    }
    var text = ""
    for row in all {
      var line = ""
      for (column, cell) in row.enumerated() {
        let padding = String(repeating: " ", count: max(0, widths[column] - cell.visibleWidth))
        line += column == row.count - 1 ? cell : cell + padding + "  "
      }
      while line.hasSuffix(" ") { line.removeLast() }
      text += line + "\n"
    }
    return text
  }
}
