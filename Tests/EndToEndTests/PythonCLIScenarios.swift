import Foundation
import JSONKit
import TestSupport
import Testing

extension RealCLIs {
  /// Whether the real Mistral Vibe CLI is installed (`scripts/install-python-clis.sh`).
  static var hasVibe: Bool { path("vibe") != nil }
  /// Whether the real OpenHands CLI is installed.
  static var hasOpenHands: Bool { path("openhands") != nil }
  /// Whether the real Kimi CLI (kimi-cli 1.51.0) is installed.
  static var hasKimi: Bool { path("kimi") != nil }

  /// The environment every real Python CLI test runs `multiagent` with: a scratch HOME, the CLI
  /// cache first on PATH, and any HTTPS request outside 127.0.0.1 sent to a closed local port
  /// (OpenHands' PyPI version check), so nothing leaves the machine.
  static func offlineEnvironment(home: String) -> [String: String] {
    [
      "HOME": home, "PATH": binDirectory.path + ":/usr/local/bin:/usr/bin:/bin", "TZ": "UTC",
      "https_proxy": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
      "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost",
    ]
  }
}

/// The scenarios every real CLI that speaks OpenAI Chat Completions goes through, driven with the
/// `multiagent` binary against the fake model server: hello with a tool call that writes the
/// signal file; questions → answer → resume of the same session; a quota reply on account A
/// that completes on account B with the conversation; a 429 that is no exhaustion.
struct PythonCLIScenarios {
  let provider: String
  /// What points the CLI at the server (endpoint, model; never the key, which is the account's).
  let environment: [String: String]
  let home: String
  let repository: String
  let server: FakeModelServer

  static let keyA = "sk-fake-account-a"
  static let keyB = "sk-fake-account-b"

  /// A shell command that writes `json` to the agent's signal file.
  static func writeSignal(_ json: String) -> String {
    "printf '%s' '\(json)' > \"$MULTIAGENT_SIGNAL_FILE\""
  }

  static func quoted(_ text: String) -> String { JSONWriter.string(.string(text)) }

  /// The script: each account's steps.
  static func script(a: String, b: String = "[]") -> String {
    #"{"keys": {"\#(keyA)": \#(a), "\#(keyB)": \#(b)}}"#
  }

  func multiagent(_ arguments: [String]) throws -> CLIRunner.Result {
    try CLIRunner.run(["--home", home] + arguments, environment: environment, timeout: 240)
  }

  func record(_ name: String) throws -> [String: Any] {
    try #require(try multiagent(["--json", "show", name]).json() as? [String: Any])
  }

  func accounts() throws -> [String: [String: Any]] {
    let rows = try #require(
      try multiagent(["--json", "accounts", "list", provider]).json() as? [[String: Any]])
    return Dictionary(
      uniqueKeysWithValues: rows.compactMap { row in (row["label"] as? String).map { ($0, row) } })
  }

  /// Adds accounts A and B, each with its own API key.
  func addAccounts() throws {
    for label in ["A", "B"] {
      let added = try multiagent([
        "accounts", "add", provider, "--label", label, "--api-key-env", "KEY_" + label,
      ])
      #expect(added.exitCode == 0, "accounts add: \(added.stderr)")
    }
  }

  /// Every model request the server saw from `key`, as JSON text of its body.
  func bodies(of key: String) throws -> [String] {
    try server.requests().filter { $0["key"]?.stringValue == key }.map {
      JSONWriter.string($0["body"] ?? .null)
    }
  }

  /// The parsed events of the agent's log (`logs --json`).
  func events(_ name: String) throws -> [[String: Any]] {
    let logs = try multiagent(["--json", "logs", name])
    return logs.stdout.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
  }

  /// Runs `body` with a fresh home, repository and fake server answering `script`, and
  /// `environment(server)` pointing the CLI at it.
  static func run(
    _ provider: String, script: String, prefix: String,
    environment extra: (FakeModelServer) -> [String: String], _ body: (PythonCLIScenarios) throws -> Void
  ) throws {
    let directory = try TemporaryDirectory(prefix: prefix)
    let repository = directory.path("repo")
    try GitRepository.create(at: repository)
    let server = try FakeModelServer(script: script, directory: directory.url)
    defer { server.stop() }
    var environment = RealCLIs.offlineEnvironment(home: directory.path("user"))
    environment["KEY_A"] = keyA
    environment["KEY_B"] = keyB
    environment.merge(extra(server)) { _, new in new }
    let scenarios = PythonCLIScenarios(
      provider: provider, environment: environment, home: directory.path("home"), repository: repository,
      server: server)
    try scenarios.addAccounts()
    try body(scenarios)
    withExtendedLifetime(directory) {}
  }
}
