import Foundation
import Testing
import TestSupport

/// `spawn`, `wait`, `result`, `show`, `list`, `logs`, `events`: an agent's run from start to result.
@Suite struct LifecycleSpawnTests {
  @Test func spawnRunsInAWorktreeOnItsOwnBranchAndCompletesWithTheResult() throws {
    let world = try LifecycleSandbox()
    let spawned = try world.run([
      "spawn", "--provider", "fake", "--cwd", world.repository, "fix", "the", "bug",
    ])
    #expect(spawned.exitCode == 0, "\(spawned.stderr)")
    let name = spawned.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(!name.isEmpty && !name.contains("\n"))

    let waited = try world.run(["wait", name, "--timeout", "30"])
    #expect(waited.exitCode == 0, "\(waited.stderr)")
    #expect(waited.stdout == "completed\n")
    let result = try world.run(["result", name])
    #expect(result.exitCode == 0)
    #expect(result.stdout == "done: fix the bug\n")

    let record = try world.record(name)
    let worktree = world.home + "/worktrees/" + name
    #expect(record["status"] as? String == "completed")
    #expect(record["worktree_path"] as? String == worktree)
    #expect(record["branch"] as? String == "multiagent/" + name)
    #expect(record["result"] as? String == "done: fix the bug")
    #expect(FileManager.default.fileExists(atPath: worktree + "/README.md"))
    #expect(try world.branches().contains("multiagent/" + name))
    let calls = try world.calls()
    #expect(calls.count == 1)
    #expect(calls.first?.cwd == worktree)
    let argv = try #require(calls.first?.argv)
    #expect(argv.starts(with: ["-p", "--output-format", "stream-json", "--verbose"]))
    let sessionIndex = try #require(argv.firstIndex(of: "--session-id"))
    #expect(record["session_id"] as? String == argv[sessionIndex + 1])
    #expect(argv.last?.hasPrefix("fix the bug") == true)
  }

  @Test func noWorktreeRunsInPlaceAndJSONPrintsTheRecord() throws {
    let world = try LifecycleSandbox()
    let spawned = try world.run([
      "spawn", "--provider", "fake", "--cwd", world.repository, "--no-worktree", "--name", "in-place",
      "--task", "T-42", "--model", "m1", "--arg", "--extra-flag", "--json", "hello",
    ])
    #expect(spawned.exitCode == 0, "\(spawned.stderr)")
    let created = try spawned.jsonObject()
    #expect(created["name"] as? String == "in-place")
    #expect(created["task_id"] as? String == "T-42")
    #expect(created["worktree_path"] is NSNull)

    let waited = try world.run(["wait", "in-place", "--json"])
    #expect(waited.exitCode == 0)
    let record = try waited.jsonObject()
    #expect(record["status"] as? String == "completed")
    #expect(world.leftovers().worktrees.isEmpty)
    #expect(try world.branches() == ["main"])
    let call = try #require(try world.calls().first)
    #expect(call.cwd == world.repository)
    #expect(call.argv.contains("--extra-flag"))
    let model = try #require(call.argv.firstIndex(of: "--model"))
    #expect(call.argv[model + 1] == "m1")

    let list = try world.run(["list"])
    #expect(list.exitCode == 0)
    let lines = list.stdout.split(separator: "\n").map(String.init)
    #expect(
      lines.first?.split(separator: " ", omittingEmptySubsequences: true) == [
        "NAME", "PROVIDER", "ACCOUNT", "STATUS", "AGE", "TASK",
      ])
    let row = try #require(lines.first { $0.hasPrefix("in-place ") })
    #expect(row.contains("fake") && row.contains("completed") && row.contains("T-42"))
  }

  @Test func inputFilesAreCopiedIntoTheStateDirAndListedInThePrompt() throws {
    let world = try LifecycleSandbox()
    let input = world.sandbox.root.path("notes.txt")
    try "context for the agent\n".write(toFile: input, atomically: true, encoding: .utf8)
    let name = try world.spawn("use the notes", name: "with-input", extra: ["--input", input])
    #expect(try world.run(["wait", name]).exitCode == 0)
    let id = try #require(try world.record(name)["id"] as? String)
    let copy = world.stateDirectory(id) + "/inputs/notes.txt"
    #expect(try String(contentsOfFile: copy, encoding: .utf8) == "context for the agent\n")
    let prompt = try String(contentsOfFile: world.stateDirectory(id) + "/prompt.md", encoding: .utf8)
    #expect(prompt.hasPrefix("use the notes"))
    #expect(prompt.contains(copy))
    #expect(prompt.contains("MULTIAGENT_SIGNAL_FILE"))
  }

  @Test func promptFromStdinAndFromAFile() throws {
    let world = try LifecycleSandbox()
    let fromStdin = try world.run(
      ["spawn", "--provider", "fake", "--no-worktree", "--cwd", world.repository, "--name", "stdin", "-"],
      input: "read from stdin\n")
    #expect(fromStdin.exitCode == 0, "\(fromStdin.stderr)")
    let file = world.sandbox.root.path("prompt.txt")
    try "read from a file\n".write(toFile: file, atomically: true, encoding: .utf8)
    let fromFile = try world.run([
      "spawn", "--provider", "fake", "--no-worktree", "--cwd", world.repository, "--name", "file",
      "--prompt-file", file,
    ])
    #expect(fromFile.exitCode == 0, "\(fromFile.stderr)")
    #expect(try world.run(["wait", "stdin"]).exitCode == 0)
    #expect(try world.run(["wait", "file"]).exitCode == 0)
    #expect(try world.run(["result", "stdin"]).stdout == "done: read from stdin\n")
    #expect(try world.run(["result", "file"]).stdout == "done: read from a file\n")
  }

  @Test func spawnWaitExitsLikeWaitAndTimeoutExits124() throws {
    let world = try LifecycleSandbox()
    let done = try world.run([
      "spawn", "--provider", "fake", "--no-worktree", "--cwd", world.repository, "--name", "quick", "--wait",
      "quick job",
    ])
    #expect(done.exitCode == 0, "\(done.stderr)")
    #expect(done.stdout == "quick\ncompleted\n")

    let failing = try world.run([
      "spawn", "--provider", "fake", "--no-worktree", "--cwd", world.repository, "--name", "broken", "--wait",
      "@fail",
    ])
    #expect(failing.exitCode == 1)
    #expect(failing.stdout == "broken\nfailed\n")
    let result = try world.run(["result", "broken"])
    #expect(result.exitCode == 1)
    #expect(result.stderr.contains("no result"))

    _ = try world.spawn("@gate slow", name: "slow", extra: ["--no-worktree"])
    let timedOut = try world.run(["wait", "slow", "--timeout", "0.3"])
    #expect(timedOut.exitCode == 124)
    #expect(timedOut.stderr.contains("slow"))
    let timedOutJSON = try world.run(["wait", "slow", "--timeout", "0.3", "--json"])
    #expect(timedOutJSON.exitCode == 124)
    let error = try #require(try timedOutJSON.jsonObject()["error"] as? [String: Any])
    #expect(error["code"] as? String == "timed_out")
    try world.openGate()
    #expect(try world.run(["wait", "slow", "--timeout", "30"]).exitCode == 0)
  }

  @Test func logsShowParsedEventsRawBytesAndJSON() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("say hi", name: "talker", extra: ["--no-worktree"])
    #expect(try world.run(["wait", name]).exitCode == 0)
    let id = try #require(try world.record(name)["id"] as? String)
    let logPath = world.stateDirectory(id) + "/output.log"

    let human = try world.run(["logs", name])
    #expect(human.exitCode == 0)
    #expect(human.stdout.contains("working on: say hi"))
    #expect(human.stdout.contains("[result] finished"))

    let json = try world.run(["logs", name, "--json"]).jsonLines()
    #expect(json.map { $0["type"] as? String } == ["session_started", "assistant_text", "result"])
    #expect(json.first?["offset"] as? Int == 0)

    let raw = try world.run(["logs", name, "--raw"])
    #expect(raw.stdout == (try String(contentsOfFile: logPath, encoding: .utf8)))

    let followed = try world.run(["logs", name, "--follow"])
    #expect(followed.exitCode == 0)
    #expect(followed.stdout == human.stdout)

    let events = try world.run(["events", "--agent", name, "--json"]).jsonLines()
    #expect(events.first?["type"] as? String == "created")
    #expect(events.last?["to_status"] as? String == "completed")
    #expect(events.allSatisfy { $0["agent_id"] as? String == id })
    let humanEvents = try world.run(["events"])
    #expect(humanEvents.stdout.contains("running -> completed"))
  }

  @Test func followStreamsTheLogUntilTheAgentSettles() throws {
    let world = try LifecycleSandbox()
    let followed = try world.run([
      "spawn", "--provider", "fake", "--no-worktree", "--cwd", world.repository, "--name", "followed",
      "--follow", "stream me",
    ])
    #expect(followed.exitCode == 0, "\(followed.stderr)")
    #expect(followed.stdout.hasPrefix("followed\n"))
    #expect(followed.stdout.contains("working on: stream me"))
    #expect(followed.stdout.contains("[result] finished"))
  }

  @Test func dismissHidesFromListButNotFromListAll() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("short", name: "dismissable", extra: ["--no-worktree"])
    #expect(try world.run(["wait", name]).exitCode == 0)
    let dismissed = try world.run(["dismiss", name])
    #expect(dismissed.exitCode == 0, "\(dismissed.stderr)")
    #expect(try world.run(["list", "--json"]).jsonArray().isEmpty)
    #expect(try world.records().count == 1)
    #expect(try world.run(["list", "--all", "--status", "completed,failed"]).stdout.contains(name))
    #expect(try world.run(["list", "--all", "--status", "failed", "--json"]).jsonArray().isEmpty)
    #expect(try world.run(["list", "--all", "--provider", "fake", "--json"]).jsonArray().count == 1)
    #expect(try world.run(["list", "--status", "bogus"]).exitCode == 2)
    // A provider name that is neither defined nor any agent's is a usage error naming the choices;
    // one that is no longer defined still finds the agents it ran.
    let typo = try world.run(["list", "--provider", "fakee"])
    #expect(typo.exitCode == 2 && typo.stderr.contains("unknown provider \"fakee\""), "\(typo.stderr)")
    #expect(typo.stderr.contains("did you mean \"fake\""), "\(typo.stderr)")
    #expect(try world.run(["list", "--provider", "codex", "--json"]).jsonArray().isEmpty)
    try world.sandbox.writeUserCatalog(#"{"providers": {}}"#)
    #expect(try world.run(["list", "--all", "--provider", "fake", "--json"]).jsonArray().count == 1)
  }

  @Test func helpListsTheCommandsButNotTheSupervisor() throws {
    let world = try LifecycleSandbox()
    let help = try world.run(["--help"])
    for command in [
      "spawn", "list", "show", "logs", "result", "questions", "answer", "wait", "stop", "delete", "dismiss",
      "events", "reconcile", "cleanup",
    ] {
      #expect(help.stdout.contains("\n  \(command) "), "help lacks \(command)")
    }
    #expect(!help.stdout.contains("__supervise"))
    #expect(!(try world.run(["nosuchcommand"])).stderr.contains("__supervise"))
  }
}
