import Foundation
import ProviderKit
import Testing
import TestSupport

/// The shape of every `--json` output (records, lists, events, errors), compared with the
/// snapshots in `Snapshots/json/`, and one key style across them all: snake_case.
@Suite struct JSONSnapshotTests {
  /// Runs commands in one sandbox, snapshots the shape of each output and collects its keys.
  final class Recorder {
    let world: LifecycleSandbox
    var keys: [String: Set<String>] = [:]

    init() throws { world = try LifecycleSandbox() }

    /// Runs `arguments` with `--json`; snapshots the shape of stdout as `json/<name>.json`.
    @discardableResult
    func snapshot(
      _ name: String, _ arguments: [String], lines: Bool = false, exitCode: Int32? = 0,
      sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> CLIRunner.Result {
      let result = try world.run(arguments + ["--json"])
      if let exitCode {
        #expect(result.exitCode == exitCode, "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
      }
      let shape = try JSONShape.of(result.stdout, lines: lines)
      Snapshots.check(shape, named: "json/\(name).json", sourceLocation: sourceLocation)
      keys[name] = try JSONShape.keys(of: result.stdout, lines: lines)
      return result
    }
  }

  static func isSnakeCase(_ key: String) -> Bool {
    key.range(of: "^[a-z][a-z0-9]*(_[a-z0-9]+)*$", options: .regularExpression) != nil
  }

  @Test func everyJSONOutputMatchesItsSnapshotAndUsesSnakeCase() throws {
    let recorder = try Recorder()
    let world = recorder.world
    try agentOutputs(recorder)
    try questionOutputs(recorder)
    try stoppingOutputs(recorder)
    try accountOutputs(recorder)
    try recorder.snapshot("providers-list", ["providers", "list"])
    try recorder.snapshot("providers-show", ["providers", "show", "fake"])
    try recorder.snapshot("providers-check", ["providers", "check", "fake"])
    // Whether anything needs action depends on the machine (which CLIs are installed): not the shape.
    try recorder.snapshot("doctor", ["doctor"], exitCode: nil)
    try recorder.snapshot("error-usage", ["list", "--bogus"], exitCode: 2)
    try recorder.snapshot("error-not-found", ["show", "nobody"], exitCode: 1)
    try world.openGate()

    // `providers show` prints the definition as providers.json spells it (that file's documented
    // format, camelCase), plus keys of its own.
    let showKeys = recorder.keys.removeValue(forKey: "providers-show") ?? []
    #expect(showKeys.isSuperset(of: ["path", "installed", "spawn_argv", "resume_argv"]))
    let camel = recorder.keys.flatMap { name, keys in
      keys.filter { !Self.isSnakeCase($0) }.map { "\(name): \($0)" }
    }
    #expect(camel.isEmpty, "keys not in snake_case: \(camel.sorted())")
    if !Snapshots.recording {
      let names = Set(recorder.keys.keys.map { "\($0).json" } + ["providers-show.json", "log-events.json"])
      #expect(Snapshots.files(in: "json") == names, "a snapshot no command produces any more")
    }
  }

  /// Every kind of parsed event, as `logs --json` prints it: the fake CLI shows only a few kinds.
  @Test func everyLogEventKindMatchesItsSnapshotAndUsesSnakeCase() throws {
    let question = PendingQuestion(id: "q1", question: "Which?", options: ["a"], header: "H")
    let reading = QuotaReading(
      status: "allowed", windows: [.init(name: "five_hour", utilization: 0.5, resetsAt: Date())])
    let kinds: [AgentEvent.Kind] = [
      .sessionStarted(id: "s"), .assistantText("t"), .toolUse(id: "1", name: "Bash", input: "{}"),
      .toolResult(id: "1", output: "o", isError: false),
      .usage(Usage(inputTokens: 1, outputTokens: 2, cachedInputTokens: 3, costUSD: 0.1)),
      .retrying(attempt: 1, maxAttempts: 3, message: "m"), .exhausted(resetAt: Date(), message: "m"),
      .quota(reading), .question([question]), .result(text: "r", isError: false), .error(message: "e"),
      .raw("r"),
    ]
    let encoder = JSONEncoder()
    let lines = try kinds.map { kind in
      String(decoding: try encoder.encode(AgentEvent(offset: 0, kind: kind)), as: UTF8.self)
    }.joined(separator: "\n")
    Snapshots.check(try JSONShape.of(lines, lines: true), named: "json/log-events.json")
    let camel = try JSONShape.keys(of: lines, lines: true).filter { !Self.isSnakeCase($0) }
    #expect(camel.isEmpty, "keys not in snake_case: \(camel.sorted())")
  }

  /// A finished agent seen through every command that reads agents.
  private func agentOutputs(_ recorder: Recorder) throws {
    let spawned = try recorder.snapshot(
      "spawn",
      ["spawn", "--provider", "fake", "--cwd", recorder.world.repository, "--name", "done-agent", "hi"])
    #expect(try spawned.jsonObject()["name"] as? String == "done-agent")
    try recorder.snapshot("wait", ["wait", "done-agent"])
    try recorder.snapshot("list", ["list"])
    try recorder.snapshot("show", ["show", "done-agent"])
    try recorder.snapshot("result", ["result", "done-agent"])
    try recorder.snapshot("logs", ["logs", "done-agent"], lines: true)
    try recorder.snapshot("events", ["events", "--agent", "done-agent"], lines: true)
    try recorder.snapshot("tree", ["tree"])
    try recorder.snapshot("reconcile", ["reconcile"])
    try recorder.snapshot("wait-all", ["wait", "--all", "done-agent", "done-agent"])
  }

  /// An agent that asks, and its answer.
  private func questionOutputs(_ recorder: Recorder) throws {
    _ = try recorder.world.spawn("@ask", name: "asking-agent")
    try recorder.snapshot("wait-waiting", ["wait", "asking-agent"], exitCode: 3)
    try recorder.snapshot("questions", ["questions", "asking-agent"])
    try recorder.snapshot("answer", ["answer", "asking-agent", "--answer", "q1=yes"])
    _ = try recorder.world.run(["wait", "asking-agent"])
  }

  /// A running agent: a wait that times out, stop, dismiss, delete, cleanup.
  private func stoppingOutputs(_ recorder: Recorder) throws {
    _ = try recorder.world.spawn("@gate", name: "gated-agent")
    try recorder.world.waitUntilRunning("gated-agent")
    try recorder.snapshot("wait-timeout", ["wait", "gated-agent", "--timeout", "0.2"], exitCode: 124)
    try recorder.snapshot("stop", ["stop", "gated-agent"])
    try recorder.snapshot("dismiss", ["dismiss", "gated-agent"])
    try recorder.snapshot("delete", ["delete", "gated-agent"])
    try recorder.snapshot("cleanup", ["cleanup", "--dry-run"])
  }

  /// An account through every accounts command.
  private func accountOutputs(_ recorder: Recorder) throws {
    try recorder.snapshot(
      "accounts-add", ["accounts", "add", "fake", "--label", "work", "--api-key-env", "PATH"])
    try recorder.snapshot("accounts-list", ["accounts", "list"])
    try recorder.snapshot("accounts-show", ["accounts", "show", "work"])
    try recorder.snapshot("accounts-disable", ["accounts", "disable", "work"])
    try recorder.snapshot("accounts-remove", ["accounts", "remove", "work"])
  }
}
