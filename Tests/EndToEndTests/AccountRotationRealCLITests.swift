import Foundation
import JSONKit
import ProviderKit
import TestSupport
import Testing

/// Automatic account rotation with the REAL claude and codex: account A answers the first model
/// request, then hits its usage limit; the agent moves to account B with its conversation and
/// completes there; A is parked until the reset the CLI printed; the next spawn goes to B directly.
@Suite(.serialized) struct AccountRotationRealCLITests {
  let directory: TemporaryDirectory
  let home: String
  let repository: String

  init() throws {
    directory = try TemporaryDirectory(prefix: "rotate")
    home = directory.path("home")
    repository = directory.path("repo")
    try GitRepository.create(at: repository)
  }

  func multiagent(_ arguments: [String], _ environment: [String: String], input: String? = nil) throws
    -> CLIRunner.Result
  {
    try CLIRunner.run(
      ["--home", home] + arguments, environment: environment, timeout: 180, standardInput: input)
  }

  static func script(keyA: String, keyB: String, reset: Int) -> String {
    let done =
      "printf '%s' '{\"status\":\"done\",\"result\":\"Finished on the second account.\"}' > \"$MULTIAGENT_SIGNAL_FILE\""
    return """
      {"keys": {
        \(JSONWriter.string(.string(keyA))): [
          {"text": "Starting on the first account.", "shell": "echo turn-one-output"},
          {"error": "usage_limit", "resets_at": \(reset), "repeat": "forever"}
        ],
        \(JSONWriter.string(.string(keyB))): [
          {"text": "Continuing.", "shell": \(JSONWriter.string(.string(done)))},
          {"text": "Done."}
        ]
      }}
      """
  }

  func rotate(
    provider: String, environment: [String: String], server: FakeModelServer, keyB: String, reset: Int,
    resetTolerance: TimeInterval
  ) throws {
    let spawn = try multiagent(
      [
        "spawn", "--provider", provider, "--cwd", repository, "--name", "rotating", "--account", "A",
        "--rotate",
        "Do the two-step task.",
      ], environment)
    #expect(spawn.exitCode == 0, "spawn: \(spawn.stderr)")
    let waited = try multiagent(["wait", "rotating", "--timeout", "150"], environment)
    #expect(waited.exitCode == 0, "wait: \(waited.stdout) \(waited.stderr)")

    let shown = try #require(
      try multiagent(["--json", "show", "rotating"], environment).json() as? [String: Any])
    let accounts = try #require(
      try multiagent(["--json", "accounts", "list", provider], environment).json() as? [[String: Any]])
    let a = try #require(accounts.first { $0["label"] as? String == "A" })
    let b = try #require(accounts.first { $0["label"] as? String == "B" })
    #expect(shown["status"] as? String == "completed")
    #expect(shown["result"] as? String == "Finished on the second account.")
    #expect(shown["account"] as? String == b["id"] as? String)

    // A is parked until the reset the CLI reported.
    #expect(a["status"] as? String == "exhausted")
    let until = try #require(jsonTime(a["exhausted_until"]))
    #expect(abs(until - Double(reset)) <= resetTolerance, "exhausted until \(until), reset \(reset)")

    // The conversation moved: B's first request holds the task, A's tool call and its output.
    let requests = try server.requests()
    let firstOnB = try #require(requests.first { $0["key"]?.stringValue == keyB })
    let body = JSONWriter.string(firstOnB["body"] ?? .null)
    #expect(body.contains("Do the two-step task."))
    #expect(body.contains("echo turn-one-output"))
    #expect(body.contains("turn-one-output\\n") || body.contains("turn-one-output"))

    // The switch is an event.
    let events = try multiagent(["events", "--agent", "rotating"], environment)
    #expect(events.stdout.contains("account_switched") || events.stdout.contains("moved"), "\(events.stdout)")

    // …and shows in `show` and `logs`.
    let text = try multiagent(["show", "rotating"], environment)
    #expect(text.stdout.contains("account_switched"), "\(text.stdout)")
    let logs = try multiagent(["logs", "rotating"], environment)
    #expect(logs.stdout.contains("continuing on account B"), "\(logs.stdout)")

    // A later spawn goes straight to B.
    let before = requests.count
    let second = try multiagent(
      [
        "spawn", "--provider", provider, "--cwd", repository, "--no-worktree", "--name", "after", "--wait",
        "--timeout", "150", "Say OK.",
      ], environment)
    #expect(second.exitCode == 0, "second spawn: \(second.stderr)")
    let later = try server.requests().dropFirst(before)
    #expect(!later.isEmpty)
    #expect(later.allSatisfy { $0["key"]?.stringValue == keyB }, "\(later.map { $0["key"] ?? .null })")
  }

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func claudeSubscriptionRotatesToTheNextAccountWithTheConversation() throws {
    let reset = Int(Date().timeIntervalSince1970) + 2 * 3600 + 600
    let server = try FakeModelServer(
      script: Self.script(keyA: "sk-ant-oat01-token-a", keyB: "sk-ant-oat01-token-b", reset: reset),
      directory: directory.url)
    defer { server.stop() }
    var environment = [
      "HOME": directory.path("user"), "PATH": RealCLIs.binDirectory.path + ":/usr/local/bin:/usr/bin:/bin",
      "TZ": "UTC", "ANTHROPIC_BASE_URL": server.baseURL, "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
      "CLAUDE_CODE_MAX_RETRIES": "0",
    ]
    environment["DISABLE_AUTOUPDATER"] = "1"
    for (label, token) in [("A", "sk-ant-oat01-token-a"), ("B", "sk-ant-oat01-token-b")] {
      let added = try multiagent(
        ["accounts", "add", "claude", "--label", label, "--token-stdin"], environment, input: token)
      #expect(added.exitCode == 0, "accounts add: \(added.stderr)")
      #expect(!added.stdout.contains(token))
    }
    try rotate(
      provider: "claude", environment: environment, server: server, keyB: "sk-ant-oat01-token-b",
      reset: reset,
      resetTolerance: 1)
  }

  @Test(.enabled(if: RealCLIs.hasCodex, RealCLIs.skipReason))
  func codexAPIKeyRotatesToTheNextAccountWithTheConversation() throws {
    let reset = Int(Date().timeIntervalSince1970) + 2 * 3600 + 600
    let server = try FakeModelServer(
      script: Self.script(keyA: "sk-key-a", keyB: "sk-key-b", reset: reset), directory: directory.url)
    defer { server.stop() }
    try RealCLIs.writeCodexCatalog(server: server, home: home)
    let environment = [
      "HOME": directory.path("user"), "PATH": RealCLIs.binDirectory.path + ":/usr/local/bin:/usr/bin:/bin",
      "TZ": "UTC", "KEY_A": "sk-key-a", "KEY_B": "sk-key-b",
    ]
    for (label, variable) in [("A", "KEY_A"), ("B", "KEY_B")] {
      let added = try multiagent(
        ["accounts", "add", "codex", "--label", label, "--api-key-env", variable], environment)
      #expect(added.exitCode == 0, "accounts add: \(added.stderr)")
    }
    // Codex prints the reset as a wall-clock minute ("try again at 9:12 PM.").
    try rotate(
      provider: "codex", environment: environment, server: server, keyB: "sk-key-b", reset: reset,
      resetTolerance: 60)
  }
}

/// When every account is exhausted the agent waits as `waiting_for_account` and resumes by itself at
/// the earliest reset; a 5xx/overloaded storm never parks an account.
@Suite(.serialized) struct AccountWaitingRealCLITests {
  let directory: TemporaryDirectory
  let home: String
  let workspace: String

  init() throws {
    directory = try TemporaryDirectory(prefix: "waiting")
    home = directory.path("home")
    workspace = directory.path("ws")
    try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
  }

  func multiagent(_ arguments: [String], _ environment: [String: String], input: String? = nil) throws
    -> CLIRunner.Result
  {
    try CLIRunner.run(
      ["--home", home] + arguments, environment: environment, timeout: 180, standardInput: input)
  }

  func claudeEnvironment(_ server: FakeModelServer, retries: Int = 0) -> [String: String] {
    [
      "HOME": directory.path("user"), "PATH": RealCLIs.binDirectory.path + ":/usr/local/bin:/usr/bin:/bin",
      "TZ": "UTC", "ANTHROPIC_BASE_URL": server.baseURL, "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
      "CLAUDE_CODE_MAX_RETRIES": String(retries), "DISABLE_AUTOUPDATER": "1",
    ]
  }

  func addAccounts(_ environment: [String: String]) throws {
    for (label, token) in [("A", "tok-wait-a"), ("B", "tok-wait-b")] {
      let added = try multiagent(
        ["accounts", "add", "claude", "--label", label, "--token-stdin"], environment, input: token)
      #expect(added.exitCode == 0, "accounts add: \(added.stderr)")
    }
  }

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func allAccountsExhaustedWaitsThenResumesByItselfAtTheReset() throws {
    let reset = Int(Date().timeIntervalSince1970) + 6
    let done =
      "printf '%s' '{\"status\":\"done\",\"result\":\"Done after waiting.\"}' > \"$MULTIAGENT_SIGNAL_FILE\""
    let steps = """
      [{"error": "usage_limit", "resets_at": \(reset)}, {"shell": \(JSONWriter.string(.string(done)))}, {"text": "Done."}]
      """
    let server = try FakeModelServer(
      script: #"{"keys": {"tok-wait-a": \#(steps), "tok-wait-b": \#(steps)}}"#, directory: directory.url)
    defer { server.stop() }
    let environment = claudeEnvironment(server)
    try addAccounts(environment)
    let spawn = try multiagent(
      [
        "spawn", "--provider", "claude", "--no-worktree", "--cwd", workspace, "--name", "patient",
        "Finish the job.",
      ],
      environment)
    #expect(spawn.exitCode == 0, "spawn: \(spawn.stderr)")

    // Both accounts hit their limit: the agent waits for one.
    var sawWaiting = false
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline {
      let record = try multiagent(["--json", "show", "patient"], environment).json() as? [String: Any]
      let status = record?["status"] as? String
      if status == "waiting_for_account" { sawWaiting = true }
      if status == "completed" || status == "failed" || sawWaiting { break }
      Thread.sleep(forTimeInterval: 0.2)
    }
    #expect(sawWaiting)
    let accounts = try #require(
      try multiagent(["--json", "accounts", "list"], environment).json() as? [[String: Any]])
    #expect(accounts.filter { $0["status"] as? String == "exhausted" }.count == 2)

    // No user command: the supervisor's timer resumes it at the reset.
    let waited = try multiagent(["wait", "patient", "--timeout", "120"], environment)
    #expect(waited.exitCode == 0, "wait: \(waited.stdout) \(waited.stderr)")
    let final = try #require(
      try multiagent(["--json", "show", "patient"], environment).json() as? [String: Any])
    #expect(final["status"] as? String == "completed")
    #expect(final["result"] as? String == "Done after waiting.")
  }

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func aServerErrorStormNeverParksAnAccount() throws {
    let server = try FakeModelServer(
      script: #"""
        {"keys": {"tok-wait-a": [{"error": "overloaded", "repeat": 2}, {"error": "server_error", "repeat": 5}]}}
        """#, directory: directory.url)
    defer { server.stop() }
    let environment = claudeEnvironment(server, retries: 1)
    try addAccounts(environment)
    let spawn = try multiagent(
      [
        "spawn", "--provider", "claude", "--no-worktree", "--cwd", workspace, "--name", "stormy", "--account",
        "A",
        "--wait", "--timeout", "120", "Work through the storm.",
      ], environment)
    #expect(spawn.exitCode == 1, "spawn: \(spawn.stdout) \(spawn.stderr)")
    let record = try #require(
      try multiagent(["--json", "show", "stormy"], environment).json() as? [String: Any])
    #expect(record["status"] as? String == "failed")
    let accounts = try #require(
      try multiagent(["--json", "accounts", "list"], environment).json() as? [[String: Any]])
    #expect(accounts.allSatisfy { $0["status"] as? String == "available" }, "\(accounts)")
    let events = try multiagent(["events", "--agent", "stormy"], environment)
    #expect(!events.stdout.contains("account_exhausted"))
  }
}
