import Foundation
import JSONKit
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Native questions with the REAL claude in its bidirectional mode: the model calls
/// AskUserQuestion, the agent waits for input while the CLI stays alive, and `answer` delivers the
/// answers into the same turn — or, held past `questions.holdFor`, the CLI ends and a later answer
/// resumes the session.
@Suite(.serialized) struct NativeQuestionRealCLITests {
  let world: RealCLIWorld
  var directory: TemporaryDirectory { world.directory }
  var home: String { world.home }
  var repository: String { world.repository }

  init() throws {
    world = try RealCLIWorld(prefix: "native")
  }

  func multiagent(_ arguments: [String], _ environment: [String: String], input: String? = nil) throws
    -> CLIRunner.Result
  {
    try world.multiagent(arguments, environment, input: input)
  }

  static let ask = #"""
    {"tool": {"name": "AskUserQuestion", "input": {"questions": [{"question": "Which database should the app use?", "header": "Database", "options": [{"label": "Postgres", "description": "a server"}, {"label": "SQLite", "description": "a file"}], "multiSelect": false}]}}}
    """#

  static func done(_ result: String) -> String { RealCLIWorld.doneStep(result, text: "Going ahead.") }

  func environment(_ server: FakeModelServer) -> [String: String] { world.claudeEnvironment(server) }

  func record(_ name: String, _ environment: [String: String]) throws -> [String: Any] {
    try world.record(name, environment)
  }

  static func cliPID(_ record: [String: Any]) -> Int32? {
    ((record["cli"] as? [String: Any])?["pid"] as? Int).map(Int32.init)
  }

  /// The id of the AskUserQuestion call, from the agent's parsed log.
  func askID(_ name: String, _ environment: [String: String]) throws -> String? {
    let lines = try multiagent(["--json", "logs", name], environment).stdout.split(separator: "\n")
    for line in lines {
      let event = try? JSONParser.parse(Array(line.utf8))
      if event?["type"]?.stringValue == "tool_use", event?["name"]?.stringValue == "AskUserQuestion" {
        return event?["id"]?.stringValue
      }
    }
    return nil
  }

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func aNativeQuestionIsAnsweredInTheSameTurn() throws {
    let script =
      #"{"keys": {"tok-native": ["# + Self.ask + ", " + Self.done("Picked Postgres.")
      + #", {"text": "Done."}]}}"#
    let server = try FakeModelServer(script: script, directory: directory.url)
    defer { server.stop() }
    let environment = environment(server)
    let added = try multiagent(
      ["accounts", "add", "claude", "--label", "A", "--token-stdin"], environment, input: "tok-native")
    #expect(added.exitCode == 0, "\(added.stderr)")
    let spawn = try multiagent(
      ["spawn", "--provider", "claude", "--cwd", repository, "--name", "asker", "Set up the database."],
      environment)
    #expect(spawn.exitCode == 0, "spawn: \(spawn.stderr)")
    let asked = try multiagent(["wait", "asker", "--timeout", "90"], environment)
    #expect(asked.exitCode == 3, "wait: \(asked.stdout) \(asked.stderr)")

    // Waiting for input with the model's own question, while the CLI process is still alive.
    let waiting = try record("asker", environment)
    let pid = try #require(Self.cliPID(waiting))
    #expect(kill(pid, 0) == 0, "the CLI holds the question open")
    let session = try #require(waiting["session_id"] as? String)
    let questions = try multiagent(["--json", "questions", "asker"], environment).stdout
    #expect(questions.contains("Which database should the app use?"), "\(questions)")
    #expect(questions.contains("Postgres") && questions.contains("SQLite"), "\(questions)")
    let toolUseID = try #require(try askID("asker", environment))
    // Moving it to another provider now would leave the held CLI behind: refused.
    let moved = try multiagent(
      ["answer", "asker", "--provider", "codex", "--answer", "q1=Postgres"], environment)
    #expect(moved.exitCode == 1 && moved.stderr.contains("holding its questions open"), "\(moved.stderr)")
    #expect(try record("asker", environment)["status"] as? String == "waiting_for_input")

    let answered = try multiagent(["answer", "asker", "--answer", "q1=Postgres"], environment)
    #expect(answered.exitCode == 0, "answer: \(answered.stderr)")
    let finished = try multiagent(["wait", "asker", "--timeout", "90"], environment)
    #expect(finished.exitCode == 0, "wait: \(finished.stdout) \(finished.stderr)")
    let final = try record("asker", environment)
    #expect(final["status"] as? String == "completed", "\(final)")
    #expect(final["result"] as? String == "Picked Postgres.")
    #expect(final["session_id"] as? String == session)
    #expect(Self.cliPID(final) == pid, "the same process finished the turn: no resume")

    // The model's next request carries the tool result for that call, with the answer.
    let requests = try server.requests().filter { $0["key"]?.stringValue == "tok-native" }
    let carrying = requests.first { request in
      let body = JSONWriter.string(request["body"] ?? .null)
      return body.contains(#""tool_use_id":"\#(toolUseID)""#) && body.contains("Postgres")
    }
    #expect(carrying != nil, "no request carried the answer for \(toolUseID)")
    let runs = try #require(final["runs"] as? [[String: Any]])
    #expect(runs.count == 1, "one run: \(runs)")
  }

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func aQuestionNobodyAnswersLetsTheCLIEndAndALaterAnswerResumes() throws {
    let script =
      #"{"keys": {"tok-later": ["# + Self.ask + #", {"text": "I will wait for the answers."}, "#
      + Self.done("Picked SQLite later.") + #", {"text": "Done."}]}}"#
    let server = try FakeModelServer(script: script, directory: directory.url)
    defer { server.stop() }
    let environment = environment(server)
    try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
    try #"{"questions": {"holdFor": 2}}"#.write(
      toFile: home + "/config.json", atomically: true, encoding: .utf8)
    let added = try multiagent(
      ["accounts", "add", "claude", "--label", "A", "--token-stdin"], environment, input: "tok-later")
    #expect(added.exitCode == 0, "\(added.stderr)")
    let spawn = try multiagent(
      ["spawn", "--provider", "claude", "--cwd", repository, "--name", "patient", "Set up the database."],
      environment)
    #expect(spawn.exitCode == 0, "spawn: \(spawn.stderr)")
    #expect(try multiagent(["wait", "patient", "--timeout", "90"], environment).exitCode == 3)
    let waiting = try record("patient", environment)
    let pid = try #require(Self.cliPID(waiting))
    let session = try #require(waiting["session_id"] as? String)

    // After the hold the CLI ends its turn and exits; the agent keeps waiting with its question.
    let deadline = Date().addingTimeInterval(60)
    while kill(pid, 0) == 0 && Date() < deadline { usleep(100_000) }
    #expect(kill(pid, 0) != 0, "the CLI ended after questions.holdFor")
    usleep(500_000)
    let held = try record("patient", environment)
    #expect(held["status"] as? String == "waiting_for_input", "\(held)")
    #expect((held["pending_questions"] as? [Any])?.count == 1)
    let events = try multiagent(["events", "--agent", "patient"], environment).stdout
    #expect(events.contains("questions_released"), "\(events)")

    let answered = try multiagent(["answer", "patient", "--answer", "q1=SQLite"], environment)
    #expect(answered.exitCode == 0, "answer: \(answered.stderr)")
    let finished = try multiagent(["wait", "patient", "--timeout", "90"], environment)
    #expect(finished.exitCode == 0, "wait: \(finished.stdout) \(finished.stderr)")
    let final = try record("patient", environment)
    #expect(final["status"] as? String == "completed", "\(final)")
    #expect(final["session_id"] as? String == session)
    // The resumed request carries the answer.
    let requests = try server.requests().filter { $0["key"]?.stringValue == "tok-later" }
    let resumed = try #require(requests.dropFirst(2).first)
    let body = JSONWriter.string(resumed["body"] ?? .null)
    #expect(
      body.contains("SQLite") && body.contains("Which database should the app use?"), "\(body.prefix(3000))")
  }
}

/// A question held open survives its supervisor being killed: the CLI ends, the agent keeps waiting
/// with its questions, and an answer resumes the session.
@Suite(.serialized) struct HeldQuestionCrashRealCLITests {
  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func aHeldQuestionSurvivesASupervisorKill() throws {
    let world = try NativeQuestionRealCLITests()
    let script =
      #"{"keys": {"tok-crash": ["# + NativeQuestionRealCLITests.ask + ", "
      + NativeQuestionRealCLITests.done("Picked Postgres after a crash.") + #", {"text": "Done."}]}}"#
    let server = try FakeModelServer(script: script, directory: world.directory.url)
    defer { server.stop() }
    let environment = world.environment(server)
    let added = try world.multiagent(
      ["accounts", "add", "claude", "--label", "A", "--token-stdin"], environment, input: "tok-crash")
    #expect(added.exitCode == 0, "\(added.stderr)")
    let spawn = try world.multiagent(
      [
        "spawn", "--provider", "claude", "--cwd", world.repository, "--no-worktree", "--name", "survivor",
        "Set up the database.",
      ],
      environment)
    #expect(spawn.exitCode == 0, "spawn: \(spawn.stderr)")
    #expect(try world.multiagent(["wait", "survivor", "--timeout", "90"], environment).exitCode == 3)
    let waiting = try world.record("survivor", environment)
    let session = try #require(waiting["session_id"] as? String)
    let cli = try #require(NativeQuestionRealCLITests.cliPID(waiting))
    let supervisor = try #require((waiting["supervisor"] as? [String: Any])?["pid"] as? Int)
    kill(pid_t(supervisor), SIGKILL)

    // The live pipe went with it: the CLI ends; reconcile lets the question go, the agent waits.
    let deadline = Date().addingTimeInterval(30)
    while kill(cli, 0) == 0 && Date() < deadline { usleep(100_000) }
    #expect(kill(cli, 0) != 0, "the CLI ended with its supervisor")
    let id = try #require(waiting["id"] as? String)
    #expect(FileManager.default.fileExists(atPath: world.home + "/held/\(id).json"), "held while it ran")
    #expect(try world.multiagent(["reconcile"], environment).exitCode == 0)
    // Reconcile found it through the home's held folder (it has no worktree) and let it go.
    #expect(!FileManager.default.fileExists(atPath: world.home + "/held/\(id).json"))
    #expect(
      try world.multiagent(["events", "--agent", "survivor"], environment).stdout.contains(
        "questions_released"))
    let held = try world.record("survivor", environment)
    #expect(held["status"] as? String == "waiting_for_input", "\(held)")
    #expect((held["pending_questions"] as? [Any])?.count == 1)

    let answered = try world.multiagent(["answer", "survivor", "--answer", "q1=Postgres"], environment)
    #expect(answered.exitCode == 0, "answer: \(answered.stderr)")
    #expect(try world.multiagent(["wait", "survivor", "--timeout", "90"], environment).exitCode == 0)
    let final = try world.record("survivor", environment)
    #expect(final["status"] as? String == "completed", "\(final)")
    #expect(final["session_id"] as? String == session)
    let last = try #require(try server.requests().last { $0["key"]?.stringValue == "tok-crash" })
    #expect(JSONWriter.string(last["body"] ?? .null).contains("Postgres"))
  }
}
