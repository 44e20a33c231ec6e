import Foundation
import JSONKit
import TestSupport
import Testing

/// Continuing on another provider with the REAL claude and codex: the only claude account hits its
/// usage limit with the reset hours away; the agent, spawned `--fallback codex`, completes on codex
/// in the same worktree, and codex's first request carries the original task and names the file
/// claude created.
@Suite(.serialized) struct ProviderFallbackRealCLITests {
  let world: RealCLIWorld
  var home: String { world.home }
  var repository: String { world.repository }

  init() throws {
    world = try RealCLIWorld(prefix: "fallback")
  }

  func multiagent(_ arguments: [String], _ environment: [String: String], input: String? = nil) throws
    -> CLIRunner.Result
  {
    try world.multiagent(arguments, environment, input: input, timeout: 180)
  }

  static func script(reset: Int) -> String {
    let done =
      "printf '%s' '{\"status\":\"done\",\"result\":\"Finished the plan on codex.\"}' > \"$MULTIAGENT_SIGNAL_FILE\""
    return """
      {"keys": {
        "sk-ant-oat01-only": [
          {"text": "Drafting the plan first.", "shell": "echo 'step 1: tag' > RELEASE-PLAN.md"},
          {"error": "usage_limit", "resets_at": \(reset), "repeat": "forever"}
        ],
        "sk-codex-key": [
          {"text": "Picking up the plan.", "shell": \(JSONWriter.string(.string(done)))},
          {"text": "Done."}
        ]
      }}
      """
  }

  @Test(.enabled(if: RealCLIs.hasClaude && RealCLIs.hasCodex, RealCLIs.skipReason))
  func anExhaustedClaudeAgentCompletesOnCodexInTheSameWorktree() throws {
    let reset = Int(Date().timeIntervalSince1970) + 4 * 3600
    let server = try FakeModelServer(script: Self.script(reset: reset), directory: world.directory.url)
    defer { server.stop() }
    try RealCLIs.writeCodexCatalog(server: server, home: home)
    var environment = world.claudeEnvironment(server)
    environment["CODEX_KEY"] = "sk-codex-key"
    let claude = try multiagent(
      ["accounts", "add", "claude", "--label", "only", "--token-stdin"], environment,
      input: "sk-ant-oat01-only")
    #expect(claude.exitCode == 0, "accounts add: \(claude.stderr)")
    let codex = try multiagent(
      ["accounts", "add", "codex", "--label", "spare", "--api-key-env", "CODEX_KEY"], environment)
    #expect(codex.exitCode == 0, "accounts add: \(codex.stderr)")

    let spawn = try multiagent(
      [
        "spawn", "--provider", "claude", "--fallback", "codex", "--cwd", repository, "--name", "relay",
        "Prepare the release plan.",
      ], environment)
    #expect(spawn.exitCode == 0, "spawn: \(spawn.stderr)")
    let waited = try multiagent(["wait", "relay", "--timeout", "170"], environment)
    #expect(waited.exitCode == 0, "wait: \(waited.stdout) \(waited.stderr)")

    let shown = try #require(
      try multiagent(["--json", "show", "relay"], environment).json() as? [String: Any])
    #expect(shown["status"] as? String == "completed", "\(shown)")
    #expect(shown["provider"] as? String == "codex")
    #expect(shown["result"] as? String == "Finished the plan on codex.")
    let runs = try #require(shown["runs"] as? [[String: Any]])
    #expect(runs.map { $0["provider"] as? String } == ["claude", "codex"], "\(runs)")
    #expect(runs.map { $0["label"] as? String } == ["only", "spare"], "\(runs)")
    let claudeSession = try #require(runs.first?["session_id"] as? String)
    let codexSession = try #require(shown["session_id"] as? String)
    #expect(claudeSession != codexSession)

    // The file claude made is still in the worktree codex worked in.
    let worktree = try #require(shown["worktree_path"] as? String)
    #expect(FileManager.default.fileExists(atPath: worktree + "/RELEASE-PLAN.md"))

    // Codex's first request: the original task, and the file claude created, by name.
    let requests = try server.requests()
    let firstOnCodex = try #require(requests.first { $0["key"]?.stringValue == "sk-codex-key" })
    let body = JSONWriter.string(firstOnCodex["body"] ?? .null)
    #expect(body.contains("Prepare the release plan."), "\(body.prefix(2000))")
    #expect(body.contains("RELEASE-PLAN.md"), "\(body.prefix(4000))")
    #expect(!body.contains(claudeSession), "a Claude session id never reaches Codex")

    let events = try multiagent(["events", "--agent", "relay"], environment).stdout
    #expect(events.contains("provider_switched"), "\(events)")
    let logs = try multiagent(["logs", "relay"], environment).stdout
    #expect(logs.contains("continuing on codex"), "\(logs)")
    #expect(logs.contains("Drafting the plan first.") && logs.contains("Picking up the plan."), "\(logs)")
  }
}
