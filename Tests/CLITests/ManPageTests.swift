import Foundation
import ProcessKit
import Testing
import TestSupport

/// `multiagent man`: a manual page with a section for every command `--help` lists, that groff
/// and man read without a warning.
@Suite struct ManPageTests {
  /// Every command path, found by walking `--help` the way a user would.
  static func commandPaths(_ sandbox: CLISandbox) throws -> [[String]] {
    var pending: [[String]] = [[]]
    var found: [[String]] = []
    while let path = pending.popLast() {
      let help = try sandbox.run(path + ["--help"]).stdout
      let children = HelpSnapshotTests.subcommands(in: help).map { path + [$0] }
      found += children
      pending += children
    }
    return found
  }

  @Test func everyCommandHasItsSectionWithItsOptions() throws {
    let sandbox = try CLISandbox()
    let page = try sandbox.run(["man"])
    #expect(page.exitCode == 0, "\(page.stderr)")
    #expect(page.stdout.hasPrefix(".TH MULTIAGENT 1"))
    let paths = try Self.commandPaths(sandbox)
    #expect(paths.count > 30)
    for path in paths {
      let title = ".SS \"multiagent \(path.joined(separator: " "))\""
      #expect(page.stdout.contains(title), "no section for \(path)")
    }
    #expect(
      !page.stdout.contains("__complete") && !page.stdout.contains("__supervise"),
      "hidden commands stay hidden")
    let watch = try #require(page.stdout.components(separatedBy: ".SS \"multiagent watch\"").last)
    for option in ["interval", "all", "once"] { #expect(watch.contains("\\fB\\-\\-\(option)\\fR")) }
    #expect(page.stdout.unicodeScalars.allSatisfy { $0.isASCII }, "no input encoding assumed")
  }

  @Test func groffAndManReadItWithoutAWarning() throws {
    let sandbox = try CLISandbox()
    let file = sandbox.root.path("multiagent.1")
    try sandbox.run(["man"]).stdout.write(toFile: file, atomically: true, encoding: .utf8)
    let environment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "MANPAGER": "cat", "MANWIDTH": "100"]
    if FileManager.default.isExecutableFile(atPath: "/usr/bin/groff") {
      let groff = try ProcessRunner().run(
        "/usr/bin/groff", arguments: ["-man", "-Tutf8", "-ww", "-z", file], environment: environment,
        timeout: .seconds(60))
      #expect(groff.exit == .exited(0) && groff.standardErrorText.isEmpty, "\(groff.standardErrorText)")
    }
    if FileManager.default.isExecutableFile(atPath: "/usr/bin/man") {
      let man = try ProcessRunner().run(
        "/usr/bin/man", arguments: ["-l", file], environment: environment, timeout: .seconds(60))
      #expect(man.standardErrorText.isEmpty, "\(man.standardErrorText)")
      #expect(man.standardOutputText.contains("multiagent watch [<options>]"))
      #expect(man.standardOutputText.contains("EXIT STATUS"))
    }
  }
}
