import Foundation
import JSONKit
import TestSupport
import Testing

/// Account-bound state with the REAL codex: reasoning content is bound to the organization that
/// produced it (the fake server, like the real service, rejects it from another key with a 400), so
/// when account A hits its usage limit the session moves to B without it — and completes there
/// with turn 1 intact.
@Suite(.serialized) struct AccountBoundRealCLITests {
  let directory: TemporaryDirectory
  let home: String
  let repository: String

  init() throws {
    directory = try TemporaryDirectory(prefix: "bound-e2e")
    home = directory.path("home")
    repository = directory.path("repo")
    try GitRepository.create(at: repository)
  }

  func multiagent(_ arguments: [String], _ environment: [String: String]) throws -> CLIRunner.Result {
    try CLIRunner.run(["--home", home] + arguments, environment: environment, timeout: 180)
  }

  static func script(reset: Int) -> String {
    let done =
      "printf '%s' '{\"status\":\"done\",\"result\":\"Finished on B.\"}' > \"$MULTIAGENT_SIGNAL_FILE\""
    return """
      {"keys": {
        "sk-bound-a": [
          {"text": "Working.", "reasoning": "I should run a command first.", "shell": "echo turn-one-output"},
          {"error": "usage_limit", "resets_at": \(reset), "repeat": "forever"}
        ],
        "sk-bound-b": [
          {"text": "Continuing.", "shell": \(JSONWriter.string(.string(done)))},
          {"text": "Done."}
        ]
      }}
      """
  }

  @Test(.enabled(if: RealCLIs.hasCodex, RealCLIs.skipReason))
  func codexReasoningStaysWithItsAccountAndTheConversationMoves() throws {
    let reset = Int(Date().timeIntervalSince1970) + 3 * 3600
    let server = try FakeModelServer(script: Self.script(reset: reset), directory: directory.url)
    defer { server.stop() }
    try RealCLIs.writeCodexCatalog(server: server, home: home)
    let environment = [
      "HOME": directory.path("user"), "PATH": RealCLIs.binDirectory.path + ":/usr/local/bin:/usr/bin:/bin",
      "TZ": "UTC", "KEY_A": "sk-bound-a", "KEY_B": "sk-bound-b",
    ]
    for (label, variable) in [("A", "KEY_A"), ("B", "KEY_B")] {
      let added = try multiagent(
        ["accounts", "add", "codex", "--label", label, "--api-key-env", variable], environment)
      #expect(added.exitCode == 0, "accounts add: \(added.stderr)")
    }
    let spawn = try multiagent(
      [
        "spawn", "--provider", "codex", "--cwd", repository, "--name", "bound", "--account", "A", "--rotate",
        "Do the two-step task.",
      ], environment)
    #expect(spawn.exitCode == 0, "spawn: \(spawn.stderr)")
    let waited = try multiagent(["wait", "bound", "--timeout", "150"], environment)
    #expect(waited.exitCode == 0, "wait: \(waited.stdout) \(waited.stderr)")
    let shown = try #require(
      try multiagent(["--json", "show", "bound"], environment).json() as? [String: Any])
    #expect(shown["status"] as? String == "completed", "\(shown)")
    #expect(shown["result"] as? String == "Finished on B.")

    let requests = try server.requests()
    let onA = requests.filter { $0["key"]?.stringValue == "sk-bound-a" }
    let onB = requests.filter { $0["key"]?.stringValue == "sk-bound-b" }
    // A produced reasoning content and sent it back to A (its follow-up after the tool call).
    #expect(onA.contains { JSONWriter.string($0["body"] ?? .null).contains("enc1:") })
    // B never got A's content, and nothing B sent was refused.
    #expect(!onB.isEmpty)
    #expect(
      onB.allSatisfy { !JSONWriter.string($0["body"] ?? .null).contains("enc1:") }, "A's reasoning reached B")
    let firstOnB = JSONWriter.string(try #require(onB.first)["body"] ?? .null)
    #expect(firstOnB.contains("Do the two-step task."))
    #expect(firstOnB.contains("turn-one-output"))
    let runs = try #require(shown["runs"] as? [[String: Any]])
    #expect(runs.map { $0["label"] as? String } == ["A", "B"], "\(runs)")
  }
}
