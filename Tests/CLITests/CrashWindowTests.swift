import Foundation
import MultiAgent
import Testing
import TestSupport

/// A process killed between two writes leaves nothing lost: the next command finishes what it was
/// doing. The crashes land exactly in the window through failpoints (`MULTIAGENT_FAILPOINTS`), as
/// a `kill -9` would.
@Suite struct CrashWindowTests {
  /// A supervisor killed after starting the CLI and before recording it: the CLI runs on, and the
  /// next command finds it by its launch intent and follows it, rather than reporting a crash.
  @Test func aCLIStartedButNeverRecordedIsAdoptedNotCrashed() throws {
    let world = try LifecycleSandbox()
    let spawn = try world.sandbox.run(
      ["spawn", "--provider", "fake", "--cwd", world.repository, "--name", "orphan", "@gate unrecorded"],
      extraEnvironment: ["MULTIAGENT_FAILPOINTS": "supervisor.launched=exit"])
    #expect(spawn.exitCode == 0, "\(spawn.stderr)")
    let deadline = Date().addingTimeInterval(30)
    while try world.calls().isEmpty && Date() < deadline { usleep(20_000) }
    #expect(try world.calls().count == 1)

    let running = try world.waitUntilRunning("orphan")
    #expect(running["error"] is NSNull || running["error"] == nil)
    try world.openGate()
    #expect(try world.run(["wait", "orphan", "--timeout", "30"]).exitCode == 0)
    #expect(try world.record("orphan")["result"] as? String == "done: @gate unrecorded")
    #expect(try world.calls().count == 1, "the CLI ran once: it was adopted, not started again")
    let events = try world.run(["events", "--agent", "orphan"]).stdout
    #expect(events.contains("found its CLI running unrecorded"), "\(events)")
  }

  /// A supervisor killed after starting the CLI and before recording it, whose CLI finished its
  /// task before any command looked: the agent is settled from its log and signal (completed), not
  /// reported as never started.
  @Test func aCLIStartedButNeverRecordedThatFinishedIsSettledFromItsLog() throws {
    let world = try LifecycleSandbox()
    let spawn = try world.sandbox.run(
      ["spawn", "--provider", "fake", "--cwd", world.repository, "--name", "quick", "@stream:3 unrecorded"],
      extraEnvironment: ["MULTIAGENT_FAILPOINTS": "supervisor.launched=exit"])
    #expect(spawn.exitCode == 0, "\(spawn.stderr)")
    // Read the id without a command (every command reconciles), then let the CLI finish unwatched.
    let ids = try FileManager.default.contentsOfDirectory(atPath: world.home + "/agents")
    let id = try #require(ids.first)
    #expect(eventually { (try? world.calls().count) == 1 && processes(ofAgent: id).isEmpty })

    #expect(try world.run(["wait", "quick", "--timeout", "30"]).exitCode == 0)
    let record = try world.record("quick")
    #expect(record["status"] as? String == "completed", "\(record)")
    #expect(record["result"] as? String == "done: @stream:3 unrecorded")
    #expect(try world.calls().count == 1, "the CLI ran once")
  }

  /// An `answer` killed after the agent became `starting` and before its supervisor started: the
  /// next command starts the supervisor from the ready run plan; the session is resumed, not lost.
  /// A spawn killed while it writes its worktree's administrative files (the fault suite once hit the
  /// moment between creating `commondir` and writing it): at each file, the repository stays usable —
  /// git dies on an empty `commondir` of any entry, in every command that lists worktrees.
  @Test(arguments: 1...5)
  func aSpawnKilledWhileWritingItsWorktreeEntryLeavesTheRepositoryUsable(_ file: Int) throws {
    let world = try LifecycleSandbox()
    let spawn = try world.sandbox.run(
      ["spawn", "--provider", "fake", "--cwd", world.repository, "--name", "cut", "task"],
      extraEnvironment: ["MULTIAGENT_FAILPOINTS": "worktree.file=exit:\(file)"])
    #expect(spawn.exitCode == 137, "\(spawn.stderr)")
    // The entry is made whole before git can see it: there is none yet, or one with its gitdir.
    let entry = world.repository + "/.git/worktrees/cut"
    #expect(
      FileManager.default.fileExists(atPath: entry) == (file == 5)
        && (file < 5 || FileManager.default.fileExists(atPath: entry + "/gitdir")))
    let listed = try LifecycleSandbox.git(["worktree", "list", "--porcelain"], in: world.repository)
    #expect(listed.contains("worktree \(world.repository)"))
    try LifecycleSandbox.git(["branch", "other"], in: world.repository)
    try LifecycleSandbox.git(["branch", "-D", "other"], in: world.repository)
    #expect(try world.branches() == ["main"])
    // Past the spawner's grace the agent is crashed, and `delete` leaves nothing: the name spawns again.
    #expect(eventually { LifecycleSandbox.processes(ofHome: world.home).isEmpty })
    try world.backdate("cut", seconds: 60)
    #expect(try world.run(["reconcile"]).exitCode == 0)
    #expect(try world.record("cut")["status"] as? String == "crashed")
    #expect(try world.run(["delete", "cut"]).exitCode == 0)
    #expect(!FileManager.default.fileExists(atPath: entry))
    #expect(
      !FileManager.default.fileExists(atPath: world.repository + "/.git/multiagent-adding-worktree-cut"))
    #expect(!FileManager.default.fileExists(atPath: world.home + "/worktrees/cut"))
    #expect(try world.spawn("again", name: "cut") == "cut")
    #expect(try world.run(["wait", "cut", "--timeout", "30"]).exitCode == 0)
  }

  @Test func anAnswerKilledBeforeItsSupervisorStartedIsFinished() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@ask which colour", name: "asker")
    #expect(try world.run(["wait", name, "--timeout", "30"]).exitCode == 3)

    let answer = try world.sandbox.run(
      ["answer", name, "--answer", "q1=red"],
      extraEnvironment: ["MULTIAGENT_FAILPOINTS": "answer.committed=exit"])
    #expect(answer.exitCode == 137)

    #expect(try world.run(["wait", name, "--timeout", "30"]).exitCode == 0)
    let record = try world.record(name)
    #expect(record["status"] as? String == "completed")
    #expect((record["result"] as? String)?.contains("red") == true, "\(record)")
    #expect(try world.calls().count == 2)
    #expect(try world.run(["events", "--agent", name]).stdout.contains("start_resumed"))
  }
  /// An `answer` killed after starting the supervisor and before recording it, whose supervisor is
  /// slow to record itself: a command reconciling meanwhile finds that supervisor by its intent and
  /// records it rather than start a second one (which ran the CLI a second time).
  @Test func aSupervisorStartedButNeverRecordedIsNotStartedTwice() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@ask which colour", name: "twice")
    #expect(try world.run(["wait", name, "--timeout", "30"]).exitCode == 3)
    let answer = try world.sandbox.run(
      ["answer", name, "--answer", "q1=red"],
      extraEnvironment: ["MULTIAGENT_FAILPOINTS": "supervisor.started=exit,supervisor.recording=sleep:2"])
    #expect(answer.exitCode == 137)
    #expect(try world.run(["list"]).exitCode == 0)

    #expect(try world.run(["wait", name, "--timeout", "30"]).exitCode == 0)
    #expect((try world.record(name)["result"] as? String)?.contains("red") == true)
    // Long enough for the slow supervisor to have run the CLI too, had a second one been started.
    usleep(2_200_000)
    #expect(try world.calls().count == 2, "the resumed run ran once")
    #expect(!(try world.run(["events", "--agent", name]).stdout.contains("start_resumed")))
  }

  /// The supervisor a spawn started ahead killed while the spawn still makes the worktree (a slow
  /// git): a command reconciling meanwhile leaves the agent to its live spawner (it used to crash it,
  /// "worktree vanished", while the spawn went on to report success), and the spawn starts another
  /// supervisor.
  @Test func aSpawnWhoseSupervisorStartedAheadDiedStillStartsItsAgent() throws {
    let world = try LifecycleSandbox()
    try world.sandbox.installFakeCLI(
      "git",
      // The step that makes the worktree: `checkout -b` in a worktree multiagent registered, or git's
      // own `worktree add` where the repository needs it.
      script: #"case "$1 $2" in "worktree add" | checkout*) sleep 2 ;; esac; exec /usr/bin/git "$@""#)
    let spawn = try KillableCommand(
      executable: CLIRunner.executable().path,
      arguments: ["--home", world.home, "spawn", "--provider", "fake", "--cwd", world.repository]
        + ["--name", "slow", "hello"],
      environment: world.sandbox.environment)
    // The record without a command (every command reconciles): its supervisor is the pending one.
    var supervisor: [String: Any]?
    #expect(
      eventually {
        guard let found = try? AgentStore(path: world.home + "/state.db").list(.all).first?.supervisor else {
          return false
        }
        supervisor = ["pid": found.pid, "start_time": found.startTime, "spawn_id": found.spawnID]
        return true
      })
    #expect(killRecordedProcess(supervisor, supervisorOnly: true))
    #expect(try world.run(["list"]).exitCode == 0)
    #expect(try world.record("slow")["status"] as? String == "starting")

    #expect(spawn.wait(timeout: 30) == 0, "\(spawn.stderr)")
    #expect(try world.run(["wait", "slow", "--timeout", "30"]).exitCode == 0)
    #expect(try world.record("slow")["result"] as? String == "done: hello")
    #expect(try world.calls().count == 1)
  }

  /// A spawn killed while git checks out its new worktree (registered with the repository and still
  /// locked there as being made): the agent is crashed once its spawner is gone, and `delete` then
  /// leaves nothing — no worktree folder, no entry in the repository's `worktrees/` (git's prune
  /// keeps locked ones), no branch — so the name can be used again.
  @Test func aSpawnKilledWhileItsWorktreeIsCheckedOutLeavesNothingAfterDelete() throws {
    let world = try LifecycleSandbox()
    let marker = world.home + "-checkout.pid"
    let fakeGit = try world.sandbox.installFakeCLI(
      "git",
      script:
        #"if [ "$1" = checkout ]; then echo $$ > "\#(marker)"; exec sleep 60; fi; exec /usr/bin/git "$@""#)
    let spawn = try KillableCommand(
      executable: CLIRunner.executable().path,
      arguments: ["--home", world.home, "spawn", "--provider", "fake", "--cwd", world.repository]
        + ["--name", "cut", "hello"],
      environment: world.sandbox.environment)
    let entry = world.repository + "/.git/worktrees/cut"
    #expect(eventually { FileManager.default.fileExists(atPath: marker) })
    #expect(FileManager.default.fileExists(atPath: entry + "/locked"))
    #expect(spawn.kill9())
    _ = spawn.wait()
    let checkout = try String(contentsOfFile: marker, encoding: .utf8)
    if let pid = Int32(checkout.trimmingCharacters(in: .whitespacesAndNewlines)) { kill(pid, SIGKILL) }
    // The supervisor started ahead exits unused; past the spawner's grace, the agent is crashed.
    #expect(eventually { LifecycleSandbox.processes(ofHome: world.home).isEmpty })
    try world.backdate("cut", seconds: 60)
    #expect(try world.run(["reconcile"]).exitCode == 0)
    #expect(try world.record("cut")["status"] as? String == "crashed")

    #expect(try world.run(["delete", "cut"]).exitCode == 0)
    #expect(!FileManager.default.fileExists(atPath: world.home + "/worktrees/cut"))
    #expect(!FileManager.default.fileExists(atPath: entry))
    #expect(!(try world.branches()).contains("multiagent/cut"))
    let listed = try LifecycleSandbox.git(["worktree", "list", "--porcelain"], in: world.repository)
    #expect(!listed.contains(world.home), "\(listed)")

    try FileManager.default.removeItem(atPath: fakeGit)
    #expect(try world.spawn("hello again", name: "cut") == "cut")
    #expect(try world.run(["wait", "cut", "--timeout", "30"]).exitCode == 0)
  }
}

extension LifecycleSandbox {
  /// Moves agent `name`'s last update `seconds` into the past, as if that much time had gone by
  /// (with another program's SQLite, as the fault suite holds the database).
  func backdate(_ name: String, seconds: Double) throws {
    let script = """
      import sqlite3, sys
      c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
      c.execute("UPDATE agents SET updated_at = updated_at - ? WHERE name = ?", (float(sys.argv[3]), sys.argv[2]))
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, home + "/state.db", name, String(seconds)]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw CLIRunner.Failure(description: "cannot backdate \(name) in \(home)/state.db")
    }
  }
}
