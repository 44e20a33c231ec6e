import Foundation
import Testing
import TestSupport

/// `--help` of every command, compared with the snapshots in `Snapshots/help/`: a change to a
/// command's options or wording shows up as a snapshot diff to review, and a command added or
/// removed without its snapshot fails.
@Suite struct HelpSnapshotTests {
  /// The visible subcommands a help text lists under `SUBCOMMANDS:`.
  static func subcommands(in help: String) -> [String] {
    guard let section = help.components(separatedBy: "\nSUBCOMMANDS:\n").dropFirst().first else { return [] }
    return section.split(separator: "\n").prefix { $0.hasPrefix("  ") && !$0.hasPrefix("  See ") }
      .compactMap { line in
        // A subcommand's row starts at column 3; a wrapped abstract is indented further.
        line.hasPrefix("   ") ? nil : line.split(separator: " ").first.map(String.init)
      }
  }

  @Test func everyCommandsHelpMatchesItsSnapshot() throws {
    let sandbox = try CLISandbox()
    var pending: [[String]] = [[]]
    var names: Set<String> = []
    while let path = pending.popLast() {
      let result = try sandbox.run(path + ["--help"])
      #expect(result.exitCode == 0, "\(path): \(result.stderr)")
      let name = (["multiagent"] + path).joined(separator: "-") + ".txt"
      names.insert(name)
      Snapshots.check(result.stdout, named: "help/" + name)
      pending += Self.subcommands(in: result.stdout).map { path + [$0] }
    }
    #expect(names.count > 30, "the walk found every command: \(names.sorted())")
    if !Snapshots.recording {
      #expect(Snapshots.files(in: "help") == names, "a snapshot of a command that no longer exists")
    }
  }
}
