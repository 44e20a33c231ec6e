import Foundation
import Testing
import TestSupport

/// The `multiagent` executable reads its command line from what the C library hands the program's
/// initializers (Sources/CProgramArguments), not through the static Swift runtime's scan of
/// /proc/self/maps at every start.
@Suite struct ProgramArgumentsTests {
  @Test func everyArgumentArrivesAsGiven() throws {
    let sandbox = try CLISandbox()
    // A home whose path has spaces, a quote and letters outside ASCII; an empty argument and one
    // that looks like an option are taken as values where a value is due.
    let home = sandbox.root.path("a home ' with é and 日本")
    let listed = try CLIRunner.run(["--home", home, "list", "--json"], environment: sandbox.environment)
    #expect(listed.exitCode == 0, "\(listed.stderr)")
    #expect(FileManager.default.fileExists(atPath: "\(home)/state.db"))

    let unknown = try sandbox.run(["frobnicaté", "", "--x"])
    #expect(unknown.exitCode == 2)
    #expect(unknown.stderr.contains("unknown command \"frobnicaté\""), "\(unknown.stderr)")

    let empty = try sandbox.run(["spawn", "--provider", "", "a task"])
    #expect(empty.exitCode == 2)
    #expect(empty.stdout.isEmpty)
  }

  @Test func manyAndLongArgumentsArriveWhole() throws {
    let world = try LifecycleSandbox()
    let words = (0..<500).map { "word\($0)" } + [String(repeating: "x", count: 100_000), "é日本", "--"]
    let spawn = try world.run(
      ["spawn", "--provider", "fake", "--cwd", world.repository, "--name", "many", "--wait", "--"] + words)
    #expect(spawn.exitCode == 0, "\(spawn.stdout) \(spawn.stderr)")
    let id = try #require(try world.record("many")["id"] as? String)
    let prompt = try String(contentsOfFile: world.stateDirectory(id) + "/prompt.md", encoding: .utf8)
    #expect(prompt.hasPrefix(words.joined(separator: " ") + "\n"))
  }

  @Test func theExecutableDoesNotScanItsMemoryMapAtStart() throws {
    let executable = try CLIRunner.executable()
    let bytes = try Data(contentsOf: executable)
    // The runtime's own argument finder is the only code that names this file; the executable
    // defines the runtime's entry point itself, so the linker leaves that finder out.
    #expect(bytes.firstRange(of: Data("/proc/self/maps".utf8)) == nil)
  }
}
