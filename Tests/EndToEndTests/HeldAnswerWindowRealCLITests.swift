import Foundation
import JSONKit
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Answers to a question a REAL claude holds open, from the moment they are read to the moment the
/// CLI takes them (the question's tool result): kept for a resume when the CLI dies before they are
/// written or before it reads them, kept when its input closed before they reached it, and gone once
/// the agent moved on.
@Suite(.serialized) struct HeldAnswerWindowRealCLITests {
  let world: NativeQuestionRealCLITests
  init() throws { world = try NativeQuestionRealCLITests() }

  /// An agent `name` waiting with the held question, its CLI alive, its conversation saved; the
  /// server answers `steps` after the question. Returns the environment, the session and the CLI.
  func held(
    _ name: String, key: String, steps: [String], server: inout FakeModelServer?, failpoints: String? = nil
  ) throws -> (environment: [String: String], session: String, cli: Int32) {
    let script =
      #"{"keys": {""# + key + #"": ["# + ([NativeQuestionRealCLITests.ask] + steps).joined(separator: ", ")
      + "]}}"
    let started = try FakeModelServer(script: script, directory: world.directory.url)
    server = started
    var environment = world.environment(started)
    if let failpoints { environment["MULTIAGENT_FAILPOINTS"] = failpoints }
    let added = try world.multiagent(
      ["accounts", "add", "claude", "--label", "A", "--token-stdin"], environment, input: key)
    #expect(added.exitCode == 0, "\(added.stderr)")
    let spawn = try world.multiagent(
      ["spawn", "--provider", "claude", "--cwd", world.repository, "--name", name, "Set up the database."],
      environment)
    #expect(spawn.exitCode == 0, "spawn: \(spawn.stderr)")
    #expect(try world.multiagent(["wait", name, "--timeout", "90"], environment).exitCode == 3)
    let waiting = try world.record(name, environment)
    let session = try #require(waiting["session_id"] as? String)
    let cli = try #require(NativeQuestionRealCLITests.cliPID(waiting))
    // Claude saves its transcript on its own schedule; a resume needs it.
    let projects = world.home + "/accounts/claude/.shared/projects"
    let deadline = Date().addingTimeInterval(30)
    func saved() -> Bool {
      let folders = (try? FileManager.default.contentsOfDirectory(atPath: projects)) ?? []
      return folders.contains { FileManager.default.fileExists(atPath: "\(projects)/\($0)/\(session).jsonl") }
    }
    while !saved() && Date() < deadline { usleep(100_000) }
    #expect(saved(), "claude saved the conversation")
    return (environment, session, cli)
  }

  /// The record, its events and its supervisor's log, for a failure's message: what the agent went
  /// through.
  func diagnosis(_ record: [String: Any], _ environment: [String: String]) -> String {
    let id = record["id"] as? String ?? "?"
    let events = (try? world.multiagent(["events", "--agent", id], environment).stdout) ?? ""
    let log =
      (try? String(contentsOfFile: world.home + "/agents/\(id)/supervisor.log", encoding: .utf8)) ?? ""
    return "\(record)\nevents:\n\(events.suffix(4000))\nsupervisor.log:\n\(log.suffix(4000))"
  }

  func requestsCarry(_ text: String, server: FakeModelServer, key: String) throws -> Bool {
    let last = try #require(try server.requests().last { $0["key"]?.stringValue == key })
    return JSONWriter.string(last["body"] ?? .null).contains(text)
  }

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func answersTheCLINeverGotResumeTheSession() throws {
    var server: FakeModelServer?
    defer { server?.stop() }
    // The supervisor pauses between reading the answers and writing them to the CLI, which dies
    // meanwhile.
    let (environment, session, cli) = try held(
      "racer", key: "tok-race",
      steps: [NativeQuestionRealCLITests.done("Picked Postgres after all."), #"{"text": "Done."}"#],
      server: &server, failpoints: "live.answer=sleep:4")
    #expect(try world.multiagent(["answer", "racer", "--answer", "q1=Postgres"], environment).exitCode == 0)
    kill(-cli, SIGKILL)
    #expect(try world.multiagent(["wait", "racer", "--timeout", "90"], environment).exitCode == 0)
    let final = try world.record("racer", environment)
    #expect(final["status"] as? String == "completed", "\(diagnosis(final, environment))")
    #expect(final["session_id"] as? String == session)
    #expect((final["runs"] as? [Any])?.count == 2, "a resume carried the answers")
    #expect(try requestsCarry("Postgres", server: try #require(server), key: "tok-race"))
  }

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func answersWrittenToACLIThatDiesBeforeTakingThemResumeTheSession() throws {
    var server: FakeModelServer?
    defer { server?.stop() }
    let (environment, session, cli) = try held(
      "frozen", key: "tok-frozen",
      steps: [NativeQuestionRealCLITests.done("Picked Postgres in the end."), #"{"text": "Done."}"#],
      server: &server)
    // The CLI is frozen: the answers go into its input (the supervisor looks every 0.2 s) and stay
    // there unread; then it dies. Before, the answers were let go once written: lost with it.
    kill(-cli, SIGSTOP)
    #expect(try world.multiagent(["answer", "frozen", "--answer", "q1=Postgres"], environment).exitCode == 0)
    usleep(1_500_000)
    kill(-cli, SIGKILL)
    kill(-cli, SIGCONT)
    let finished = try world.multiagent(["wait", "frozen", "--timeout", "90"], environment)
    #expect(finished.exitCode == 0, "wait: \(finished.stdout) \(finished.stderr)")
    let final = try world.record("frozen", environment)
    #expect(final["status"] as? String == "completed", "\(diagnosis(final, environment))")
    #expect(final["result"] as? String == "Picked Postgres in the end.")
    #expect(final["session_id"] as? String == session)
    #expect((final["runs"] as? [Any])?.count == 2, "a resume carried the answers")
    #expect(try requestsCarry("Postgres", server: try #require(server), key: "tok-frozen"))
  }

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func answersThatNeverReachedAnAdoptedCLIResumeTheSession() throws {
    var server: FakeModelServer?
    defer { server?.stop() }
    // The supervisor dies after reading the answers, before writing them: the CLI's input closes,
    // claude reports the question's call as rejected and exits. The answers must resume the session
    // (a new supervisor adopts the ended run and must not take that rejection for them).
    let (environment, session, _) = try held(
      "cut", key: "tok-cut",
      steps: [NativeQuestionRealCLITests.done("Picked Postgres after the resume."), #"{"text": "Done."}"#],
      server: &server, failpoints: "live.answer=exit")
    #expect(try world.multiagent(["answer", "cut", "--answer", "q1=Postgres"], environment).exitCode == 0)
    let finished = try world.multiagent(["wait", "cut", "--timeout", "120"], environment)
    #expect(finished.exitCode == 0, "wait: \(finished.stdout) \(finished.stderr)")
    let final = try world.record("cut", environment)
    #expect(final["status"] as? String == "completed", "\(diagnosis(final, environment))")
    #expect(final["result"] as? String == "Picked Postgres after the resume.")
    #expect(final["session_id"] as? String == session)
    #expect((final["runs"] as? [Any])?.count == 2, "a resume carried the answers")
    #expect(try requestsCarry("Postgres", server: try #require(server), key: "tok-cut"))
  }

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func answersLeftBehindByAStoppedAgentDoNotResumeItsNextRun() throws {
    var server: FakeModelServer?
    defer { server?.stop() }
    let (environment, _, cli) = try held(
      "halted", key: "tok-halted",
      steps: [
        NativeQuestionRealCLITests.done("Did the next task."), #"{"text": "Done."}"#,
        NativeQuestionRealCLITests.done("Answered once more."), #"{"text": "Done."}"#,
      ],
      server: &server)
    // Answered into a frozen CLI, then stopped: the answers were never taken, and stay on disk.
    kill(-cli, SIGSTOP)
    #expect(try world.multiagent(["answer", "halted", "--answer", "q1=Postgres"], environment).exitCode == 0)
    usleep(1_500_000)
    let stopped = try world.multiagent(["stop", "halted"], environment)
    kill(-cli, SIGCONT)
    #expect(stopped.exitCode == 0, "stop: \(stopped.stdout) \(stopped.stderr)")
    // A follow-up task resumes the session once, with the message — not again with the old answers.
    let sent = try world.multiagent(["send", "halted", "--wait", "Now the next task."], environment)
    #expect(sent.exitCode == 0, "send: \(sent.stdout) \(sent.stderr)")
    let final = try world.record("halted", environment)
    #expect(final["status"] as? String == "completed", "\(diagnosis(final, environment))")
    #expect(final["result"] as? String == "Did the next task.")
    #expect((final["runs"] as? [Any])?.count == 2, "the first run and the follow-up: \(final["runs"] ?? "")")
  }
}
