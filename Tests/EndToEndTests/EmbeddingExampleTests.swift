import Foundation
import ProcessKit
import TestSupport
import Testing

/// The example embedder (`Examples/EmbeddingDemo`): a provider that exists only in its code, with a
/// CLI and output format of its own, runs end to end — spawn, parse, a native question, the answer
/// and resume, a spent account and rotation — under both kinds of supervision.
@Suite(.serialized) struct EmbeddingExampleTests {
  /// The example's executable: `MULTIAGENT_EXAMPLE_BINARY` (scripts/test builds it), else built now.
  static func exampleBinary() throws -> String {
    if let path = ProcessInfo.processInfo.environment["MULTIAGENT_EXAMPLE_BINARY"], !path.isEmpty {
      return path
    }
    let package = RepositoryPaths.root.appending(path: "Examples/EmbeddingDemo").path
    let build = try ProcessRunner().run(
      "/usr/bin/env", arguments: ["swift", "build", "--package-path", package],
      environment: ProcessInfo.processInfo.environment, timeout: .seconds(1200))
    #expect(build.exit == .exited(0), "building the example failed: \(build.standardErrorText)")
    return package + "/.build/debug/embedding-demo"
  }

  @Test(arguments: ["in-process", "detached"])
  func aCodeProviderRunsEndToEnd(supervision: String) throws {
    let binary = try Self.exampleBinary()
    // The demo's throwaway home and repository go under a temporary folder of this test's own.
    let temporary = try TemporaryDirectory(prefix: "demo-tmp")
    var environment = ProcessInfo.processInfo.environment
    environment["TMPDIR"] = temporary.url.path
    let output = try ProcessRunner().run(
      binary, arguments: ["run", "--supervision", supervision], environment: environment,
      timeout: .seconds(120))
    let lines = output.standardOutputText.split(separator: "\n").map(String.init)
    #expect(
      output.exit == .exited(0), "stdout:\n\(output.standardOutputText)\nstderr:\n\(output.standardErrorText)"
    )
    func saw(_ text: String) -> Bool { lines.contains("[\(supervision)] \(text)") }
    // The parser of the code provider turned its lines into events, from the first run to the last.
    #expect(saw("event: exhausted tally: usage limit reached"))
    #expect(saw("event: text working on: Greet the user"))
    #expect(saw("event: question q1"))
    #expect(saw("settled: waiting_for_input"))
    #expect(saw("question q1: Which greeting should I use? [hello, good morning]"))
    #expect(saw("event: text thanks, the answers are in"))
    #expect(saw("settled: completed"))
    #expect(saw("result: greeted the user as asked"))
    // The spent account was parked and the agent went on under the other one.
    #expect(
      lines.contains { $0.hasPrefix("[\(supervision)] lifecycle: account_exhausted account spent exhausted") }
    )
    #expect(
      lines.contains { $0.hasPrefix("[\(supervision)] lifecycle: account_switched") && $0.contains("fresh") })
    // In-process supervision runs in the embedding program; detached in processes of its own.
    #expect(saw("supervised by \(supervision == "in-process" ? "this process" : "another process")"))
    // It cleaned up after itself: its scratch home and repository are gone.
    let left = try FileManager.default.contentsOfDirectory(atPath: temporary.url.path)
    #expect(left.isEmpty, "the demo left \(left) in its temporary folder")
  }
}
