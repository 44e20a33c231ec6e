import Foundation
import JSONKit
import TestSupport
import Testing

/// `multiagent send` with the REAL CLIs: into a running claude's live channel (a later request of
/// the same session carries it, the same process finishing — also when claude puts it into the
/// turn going on), and to a completed codex agent (its thread resumes with the message as a new
/// turn).
@Suite(.serialized) struct SendRealCLITests {
  let world: RealCLIWorld
  var directory: TemporaryDirectory { world.directory }
  var home: String { world.home }
  var repository: String { world.repository }

  init() throws {
    world = try RealCLIWorld(prefix: "send")
  }

  func multiagent(_ arguments: [String], _ environment: [String: String], input: String? = nil) throws
    -> CLIRunner.Result
  {
    try world.multiagent(arguments, environment, input: input)
  }

  func record(_ name: String, _ environment: [String: String]) throws -> [String: Any] {
    try world.record(name, environment)
  }

  static func done(_ result: String) -> String { RealCLIWorld.doneStep(result) }

  /// A live claude agent `name` on account key `key` with `prompt`, the server answering `steps`:
  /// returned once its first request is out.
  func startClaude(_ name: String, key: String, prompt: String, steps: String) throws
    -> (server: FakeModelServer, environment: [String: String])
  {
    let script = #"{"keys": {""# + key + #"": ["# + steps + "]}}"
    let server = try FakeModelServer(script: script, directory: directory.url)
    let environment = world.claudeEnvironment(server)
    let added = try multiagent(
      ["accounts", "add", "claude", "--label", "A", "--token-stdin"], environment, input: key)
    #expect(added.exitCode == 0, "\(added.stderr)")
    let spawn = try multiagent(
      ["spawn", "--provider", "claude", "--cwd", repository, "--name", name, prompt], environment)
    #expect(spawn.exitCode == 0, "spawn: \(spawn.stderr)")
    let deadline = Date().addingTimeInterval(60)
    while (try server.requests().filter { $0["key"]?.stringValue == key }.isEmpty) && Date() < deadline {
      usleep(100_000)
    }
    return (server, environment)
  }

  /// Waits until the supervisor of `name` wrote a message into its CLI (`message_delivered`).
  func awaitLiveDelivery(_ name: String, _ environment: [String: String]) throws {
    let deadline = Date().addingTimeInterval(30)
    while !(try multiagent(["events", "--agent", name], environment).stdout.contains("message_delivered"))
      && Date() < deadline
    {
      usleep(100_000)
    }
  }

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func aMessageReachesARunningClaudeInALaterRequestOfTheSameSession() throws {
    // The first reply is held back long enough for the message to arrive during the turn.
    let (server, environment) = try startClaude(
      "listener", key: "tok-send", prompt: "Do the first part.",
      steps: #"{"text": "Working on the first part.", "delay_ms": 8000}, "# + Self.done("Both parts done.")
        + #", {"text": "Done."}"#)
    defer { server.stop() }
    let sent = try multiagent(["send", "listener", "Also add a changelog entry."], environment)
    #expect(sent.exitCode == 0, "send: \(sent.stderr)")
    let finished = try multiagent(["wait", "listener", "--timeout", "120"], environment)
    #expect(finished.exitCode == 0, "wait: \(finished.stdout) \(finished.stderr)")
    let final = try record("listener", environment)
    #expect(final["status"] as? String == "completed", "\(final)")
    #expect(final["result"] as? String == "Both parts done.")
    #expect((final["runs"] as? [Any])?.count == 1, "one run: the same process took the message")
    let requests = try server.requests().filter { $0["key"]?.stringValue == "tok-send" }
    let carrying = try #require(
      requests.first { JSONWriter.string($0["body"] ?? .null).contains("Also add a changelog entry.") })
    let body = JSONWriter.string(carrying["body"] ?? .null)
    #expect(
      body.contains("Do the first part.") && body.contains("Working on the first part."), "same session")
    let events = try multiagent(["events", "--agent", "listener"], environment).stdout
    #expect(events.contains("message_delivered"), "\(events)")
  }

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func aMessageWrittenDuringAToolCallJoinsThatTurnAndTheRunEnds() throws {
    // The first reply is a tool call that runs for seconds; the message arrives meanwhile, and
    // claude puts it into the same turn, after the tool's result: one `result` for two messages.
    let (server, environment) = try startClaude(
      "folder", key: "tok-fold", prompt: "Start the job.",
      steps: #"{"shell": "sleep 4; echo slept"}, "# + Self.done("Folded in.") + #", {"text": "Done."}"#)
    defer { server.stop() }
    let sent = try multiagent(["send", "folder", "Also check the docs."], environment)
    #expect(sent.exitCode == 0, "send: \(sent.stderr)")
    // Before the fix the run waited for a second `result` that never came: `running` for ever.
    let finished = try multiagent(["wait", "folder", "--timeout", "60"], environment)
    #expect(finished.exitCode == 0, "wait: \(finished.stdout) \(finished.stderr)")
    let final = try record("folder", environment)
    #expect(final["status"] as? String == "completed", "\(final)")
    #expect(final["result"] as? String == "Folded in.")
    #expect((final["runs"] as? [Any])?.count == 1, "one run: the same process took the message")
    let requests = try server.requests().filter { $0["key"]?.stringValue == "tok-fold" }
    #expect(requests.count == 3, "the tool call, the message with the tool's result, the end")
    let second = JSONWriter.string(try #require(requests.dropFirst().first)["body"] ?? .null)
    #expect(second.contains("Also check the docs.") && second.contains("slept"), "the same turn")
    let events = try multiagent(["--json", "events", "--agent", "folder"], environment).stdout
    #expect(events.contains("message_delivered"), "\(events)")
    let log = try multiagent(["logs", "folder"], environment).stdout
    #expect(log.contains("[message taken] Message from the user:  Also check the docs."), "\(log)")
  }

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func aMessageTheCLIDidNotTakeBeforeItDiedGoesWithTheNextRun() throws {
    // The first request is held back; the message is written meanwhile and claude keeps it for its
    // next turn — but it is killed first. The message must not be lost with it.
    let (server, environment) = try startClaude(
      "keeper", key: "tok-kept", prompt: "Start.",
      steps: #"{"text": "Working.", "delay_ms": 30000}, "# + Self.done("Both noted.")
        + #", {"text": "Done."}"#)
    defer { server.stop() }
    let sent = try multiagent(["send", "keeper", "Remember the changelog."], environment)
    #expect(sent.exitCode == 0, "send: \(sent.stderr)")
    try awaitLiveDelivery("keeper", environment)
    let running = try record("keeper", environment)
    let pid = Int32(try #require((running["cli"] as? [String: Any])?["pid"] as? Int))
    #expect(kill(pid, SIGKILL) == 0)
    let ended = try multiagent(["wait", "keeper", "--timeout", "60"], environment)
    #expect(ended.exitCode != 124, "settled: \(ended.stdout) \(ended.stderr)")
    let events = try multiagent(["events", "--agent", "keeper"], environment).stdout
    #expect(events.contains("message_not_taken"), "\(events)")

    let again = try multiagent(["send", "keeper", "--wait", "And the tests."], environment)
    #expect(again.exitCode == 0, "send: \(again.stdout) \(again.stderr)")
    let final = try record("keeper", environment)
    #expect(final["status"] as? String == "completed", "\(final)")
    #expect(final["result"] as? String == "Both noted.")
    let requests = try server.requests().filter { $0["key"]?.stringValue == "tok-kept" }
    let resumed = JSONWriter.string(try #require(requests.dropFirst().first)["body"] ?? .null)
    #expect(resumed.contains("Remember the changelog.") == true, "the message the killed CLI never took")
    #expect(resumed.contains("And the tests.") && resumed.contains("Start."), "the same session")
  }

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func aMessageTakenAfterItsSupervisorDiedIsNotDeliveredAgain() throws {
    // The message is written while the first reply is held back, then the supervisor is killed:
    // claude reads its input to the end, takes the message in a turn of its own and echoes it. The
    // supervisor that adopts the CLI must see that echo, or the session is resumed with the message
    // a second time.
    let (server, environment) = try startClaude(
      "orphan", key: "tok-adopt", prompt: "Start.",
      steps: #"{"text": "Working.", "delay_ms": 4000}, "# + Self.done("Took it.")
        + #", {"text": "Done."}, {"text": "Again?"}"#)
    defer { server.stop() }
    let sent = try multiagent(["send", "orphan", "Remember the changelog."], environment)
    #expect(sent.exitCode == 0, "send: \(sent.stderr)")
    try awaitLiveDelivery("orphan", environment)
    let running = try record("orphan", environment)
    let supervisor = Int32(try #require((running["supervisor"] as? [String: Any])?["pid"] as? Int))
    #expect(kill(supervisor, SIGKILL) == 0)
    let finished = try multiagent(["wait", "orphan", "--timeout", "90"], environment)
    #expect(finished.exitCode == 0, "wait: \(finished.stdout) \(finished.stderr)")
    let final = try record("orphan", environment)
    #expect(final["status"] as? String == "completed", "\(final)")
    #expect(final["result"] as? String == "Took it.")
    let requests = try server.requests().filter { $0["key"]?.stringValue == "tok-adopt" }
    let carrying = requests.filter {
      JSONWriter.string($0["body"] ?? .null).components(separatedBy: "Remember the changelog.").count > 2
    }
    #expect(requests.count == 3, "the first turn, the message's turn, its end: \(requests.count) requests")
    #expect(carrying.count == 0, "no request carries the message twice")
  }

  @Test(.enabled(if: RealCLIs.hasCodex, RealCLIs.skipReason))
  func aMessageToACompletedCodexAgentResumesItsThread() throws {
    let script =
      #"{"keys": {"sk-codex-send": ["# + Self.done("First task done.") + #", {"text": "ok"}, "#
      + Self.done("Second task done.") + #", {"text": "ok"}]}}"#
    let server = try FakeModelServer(script: script, directory: directory.url)
    defer { server.stop() }
    try RealCLIs.writeCodexCatalog(server: server, home: home)
    let environment = [
      "HOME": directory.path("user"), "PATH": RealCLIs.binDirectory.path + ":/usr/local/bin:/usr/bin:/bin",
      "TZ": "UTC", "CODEX_KEY": "sk-codex-send",
    ]
    let added = try multiagent(
      ["accounts", "add", "codex", "--label", "A", "--api-key-env", "CODEX_KEY"], environment)
    #expect(added.exitCode == 0, "\(added.stderr)")
    let spawn = try multiagent(
      [
        "spawn", "--provider", "codex", "--cwd", repository, "--name", "worker", "--wait",
        "Do the first task.",
      ],
      environment)
    #expect(spawn.exitCode == 0, "spawn: \(spawn.stdout) \(spawn.stderr)")
    let first = try record("worker", environment)
    #expect(first["status"] as? String == "completed")
    let thread = try #require(first["session_id"] as? String)

    let sent = try multiagent(["send", "worker", "--wait", "Now do the second task."], environment)
    #expect(sent.exitCode == 0, "send: \(sent.stdout) \(sent.stderr)")
    let final = try record("worker", environment)
    #expect(final["status"] as? String == "completed", "\(final)")
    #expect(final["result"] as? String == "Second task done.")
    #expect(final["session_id"] as? String == thread, "the same thread")
    let requests = try server.requests().filter { $0["key"]?.stringValue == "sk-codex-send" }
    let resumed = try #require(
      requests.first { JSONWriter.string($0["body"] ?? .null).contains("Now do the second task.") })
    #expect(JSONWriter.string(resumed["body"] ?? .null).contains("Do the first task."), "turn 1 is there")
  }
}
