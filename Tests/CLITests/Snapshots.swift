import Foundation
import Testing
import TestSupport

/// Snapshot files under `Tests/CLITests/Snapshots/`: what `--help` prints and the shape of every
/// `--json` output, compared byte for byte. `MULTIAGENT_RECORD_SNAPSHOTS=1` writes them instead
/// (then review the diff and commit it).
enum Snapshots {
  /// The snapshot folder in the checkout.
  static let folder = RepositoryPaths.root.appending(path: "Tests/CLITests/Snapshots")

  /// Whether this run records snapshots instead of comparing them.
  static var recording: Bool { ProcessInfo.processInfo.environment["MULTIAGENT_RECORD_SNAPSHOTS"] == "1" }

  /// Compares `text` with the snapshot `name` (a path under the folder), or records it.
  static func check(_ text: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let url = folder.appending(path: name)
    if recording {
      try? FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try? Data(text.utf8).write(to: url)
      return
    }
    guard let data = FileManager.default.contents(atPath: url.path) else {
      Issue.record(
        "no snapshot \(name); record it with MULTIAGENT_RECORD_SNAPSHOTS=1", sourceLocation: sourceLocation)
      return
    }
    let expected = String(decoding: data, as: UTF8.self)
    if expected != text {
      let diff = difference(expected, text)
      Issue.record(
        "\(name) differs from its snapshot (MULTIAGENT_RECORD_SNAPSHOTS=1 re-records it):\n\(diff)",
        sourceLocation: sourceLocation)
    }
  }

  /// The snapshot files under `subfolder`, by name.
  static func files(in subfolder: String) -> Set<String> {
    let path = folder.appending(path: subfolder).path
    return Set((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
  }

  /// The first lines that differ, for the failure message.
  private static func difference(_ expected: String, _ actual: String) -> String {
    let old = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let new = actual.split(separator: "\n", omittingEmptySubsequences: false)
    var lines: [String] = []
    for index in 0..<max(old.count, new.count) where lines.count < 12 {
      let before = index < old.count ? String(old[index]) : "<none>"
      let after = index < new.count ? String(new[index]) : "<none>"
      if before != after { lines.append("line \(index + 1):\n  - \(before)\n  + \(after)") }
    }
    return lines.joined(separator: "\n")
  }
}
