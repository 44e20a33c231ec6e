import Foundation
import JSONKit
import ProviderKit
import TestSupport
import Testing

/// The whole question → answer → resume loop with the REAL claude and codex CLIs, driven through
/// the `multiagent` binary, against the fake model server: the agent writes its questions signal
/// through its own tool call, is answered, resumes the same session and writes `done`.
@Suite(.serialized) struct LifecycleRealCLITests {
  let directory: TemporaryDirectory
  let home: String
  let repository: String

  init() throws {
    directory = try TemporaryDirectory(prefix: "life")
    home = directory.path("home")
    repository = directory.path("repo")
    try GitRepository.create(at: repository)
  }

  /// A shell command that writes `json` to the agent's signal file.
  static func writeSignal(_ json: String) -> String {
    "printf '%s' '\(json)' > \"$MULTIAGENT_SIGNAL_FILE\""
  }

  static let script = """
    [
      {"text": "I need a decision.", "shell": \(quoted(writeSignal(#"{"status":"questions","questions":[{"id":"q1","question":"Which color should the fence be?","options":["red","blue"]}]}"#)))},
      {"text": "Asked which color."},
      {"text": "Painting.", "shell": \(quoted(writeSignal(#"{"status":"done","result":"Painted the fence blue."}"#)))},
      {"text": "Done."}
    ]
    """

  static func quoted(_ text: String) -> String { JSONWriter.string(.string(text)) }

  func multiagent(_ arguments: [String], _ environment: [String: String]) throws -> CLIRunner.Result {
    try CLIRunner.run(["--home", home] + arguments, environment: environment, timeout: 180)
  }

  func runLoop(provider: String, name: String, environment: [String: String], server: FakeModelServer) throws
  {
    let spawn = try multiagent(
      ["spawn", "--provider", provider, "--cwd", repository, "--name", name, "Paint the fence."], environment)
    #expect(spawn.exitCode == 0, "spawn: \(spawn.stderr)")

    let waiting = try multiagent(["wait", name, "--timeout", "150"], environment)
    #expect(waiting.exitCode == 3, "wait: \(waiting.stdout) \(waiting.stderr)")
    let first = try #require(try multiagent(["--json", "show", name], environment).json() as? [String: Any])
    #expect(first["status"] as? String == "waiting_for_input")
    let sessionID = try #require(first["session_id"] as? String)
    #expect(first["worktree_path"] as? String == home + "/worktrees/" + name)

    let questions = try multiagent(["--json", "questions", name], environment)
    #expect(questions.stdout.contains("Which color should the fence be?"), "\(questions.stdout)")

    let answer = try multiagent(["answer", name, "--answer", "q1=blue"], environment)
    #expect(answer.exitCode == 0, "answer: \(answer.stderr)")
    let done = try multiagent(["wait", name, "--timeout", "150"], environment)
    #expect(done.exitCode == 0, "wait: \(done.stdout) \(done.stderr)")

    let final = try #require(try multiagent(["--json", "show", name], environment).json() as? [String: Any])
    #expect(final["status"] as? String == "completed")
    #expect(final["result"] as? String == "Painted the fence blue.")
    #expect(final["session_id"] as? String == sessionID)
    let result = try multiagent(["result", name], environment)
    #expect(result.stdout.contains("Painted the fence blue."))

    // The resumed request carried the earlier turns and the answer.
    let requests = try server.requests()
    let resumed = try #require(requests.dropFirst(2).first)
    let history = JSONWriter.string(resumed["body"] ?? .null)
    #expect(history.contains("Paint the fence."))
    #expect(history.contains("Asked which color."))
    #expect(history.contains("q1 (Which color should the fence be?): blue"))
  }

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func claudeQuestionsAnswerResumeComplete() throws {
    let server = try FakeModelServer(
      script: #"{"keys": {"key-life": \#(Self.script)}}"#, directory: directory.url)
    defer { server.stop() }
    var environment = RealCLIs.claudeEnvironment(server: server, key: "key-life")
    environment["HOME"] = directory.path("user")
    environment["PATH"] = RealCLIs.binDirectory.path + ":/usr/local/bin:/usr/bin:/bin"
    environment["CLAUDE_CONFIG_DIR"] = directory.path("claude-config")
    environment["TZ"] = "UTC"
    try runLoop(provider: "claude", name: "fence-claude", environment: environment, server: server)
  }

  @Test(.enabled(if: RealCLIs.hasCodex, RealCLIs.skipReason))
  func codexQuestionsAnswerResumeComplete() throws {
    let server = try FakeModelServer(
      script: #"{"keys": {"key-life": \#(Self.script)}}"#, directory: directory.url)
    defer { server.stop() }
    // Point codex at the fake server through the user's providers.json: the override path users have.
    try RealCLIs.writeCodexCatalog(server: server, home: home)
    let environment = [
      "HOME": directory.path("user"), "PATH": RealCLIs.binDirectory.path + ":/usr/local/bin:/usr/bin:/bin",
      "CODEX_HOME": directory.path("codex-home"), "CODEX_API_KEY": "key-life", "TZ": "UTC",
    ]
    try FileManager.default.createDirectory(
      atPath: directory.path("codex-home"), withIntermediateDirectories: true)
    try runLoop(provider: "codex", name: "fence-codex", environment: environment, server: server)
  }
}
