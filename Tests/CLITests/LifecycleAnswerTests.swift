import Dispatch
import Foundation
import Synchronization
import Testing
import TestSupport

/// `questions` and `answer`: an agent that asks is resumed in the same session with the answers.
@Suite struct LifecycleAnswerTests {
  @Test func questionsThenAnswerResumesTheSameSessionAndCompletes() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@ask pick a color", name: "asker")
    let waited = try world.run(["wait", name, "--timeout", "30"])
    #expect(waited.exitCode == 3, "\(waited.stderr)")
    #expect(waited.stdout == "waiting_for_input\n")

    let questions = try world.run(["questions", name, "--json"]).jsonArray()
    #expect(questions.count == 1)
    #expect(questions.first?["id"] as? String == "q1")
    #expect(questions.first?["question"] as? String == "Which color?")
    #expect(questions.first?["options"] as? [String] == ["red", "blue"])
    let text = try world.run(["questions", name])
    #expect(text.stdout.contains("q1: Which color?"))
    #expect(text.stdout.contains("red | blue"))
    #expect(try world.run(["result", name]).exitCode == 1)

    let before = try world.record(name)
    let id = try #require(before["id"] as? String)
    let logPath = world.stateDirectory(id) + "/output.log"
    let logBefore = try String(contentsOfFile: logPath, encoding: .utf8)

    let answered = try world.run(["answer", name, "--answer", "q1=blue please"])
    #expect(answered.exitCode == 0, "\(answered.stderr)")
    #expect(answered.stdout == name + "\n")
    let done = try world.run(["wait", name, "--timeout", "30"])
    #expect(done.exitCode == 0, "\(done.stderr)")
    #expect(try world.run(["result", name]).stdout == "answered: - q1 (Which color?): blue please \n")

    let calls = try world.calls()
    #expect(calls.count == 2)
    let first = calls[0].argv
    let pinned = try #require(first.firstIndex(of: "--session-id").map { first[$0 + 1] })
    let resumed = calls[1].argv
    let resumeIndex = try #require(resumed.firstIndex(of: "--resume"))
    #expect(resumed[resumeIndex + 1] == pinned)
    #expect(!resumed.contains("--session-id"))
    let prompt = try #require(resumed.last)
    #expect(prompt.contains("q1"))
    #expect(prompt.contains("Which color?"))
    #expect(prompt.contains("blue please"))
    #expect(calls[1].cwd == calls[0].cwd)

    let after = try world.record(name)
    #expect(after["session_id"] as? String == pinned)
    #expect(after["status"] as? String == "completed")
    let log = try String(contentsOfFile: logPath, encoding: .utf8)
    #expect(log.hasPrefix(logBefore))
    #expect(log.components(separatedBy: "\"subtype\":\"init\"").count - 1 == 2)
    #expect((after["parse_offset"] as? Int) == log.utf8.count)
  }

  /// Two `answer` commands at once: exactly one resumes the agent, the other is refused, and the
  /// resumed turn carries the winner's answer only.
  @Test func twoAnswersAtOnceResumeTheAgentOnce() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@ask pick a color", name: "contested")
    #expect(try world.run(["wait", name, "--timeout", "30"]).exitCode == 3)
    let colors = ["red", "blue"]
    let results = Mutex<[String: CLIRunner.Result]>([:])
    DispatchQueue.concurrentPerform(iterations: colors.count) { index in
      let color = colors[index]
      if let result = try? world.run(["answer", name, "--answer", "q1=\(color) it is"]) {
        results.withLock { $0[color] = result }
      }
    }
    let outcomes = results.withLock { $0 }
    #expect(outcomes.count == 2)
    let winners = outcomes.filter { $0.value.exitCode == 0 }.map(\.key)
    #expect(winners.count == 1, "\(outcomes.mapValues { "\($0.exitCode) \($0.stderr)" })")
    let loser = try #require(outcomes.first { $0.value.exitCode != 0 })
    #expect(loser.value.exitCode == 1)
    // Refused before the winner's change ("not waiting for input") or at it ("answered … meanwhile").
    let refusal = loser.value.stderr
    #expect(
      refusal.contains("not waiting for input") || refusal.contains("answered or changed meanwhile"),
      "\(refusal)")

    #expect(try world.run(["wait", name, "--timeout", "30"]).exitCode == 0)
    let calls = try world.calls()
    #expect(calls.count == 2)
    let prompt = try #require(calls.last?.argv.last)
    let winner = try #require(winners.first)
    #expect(prompt.contains("\(winner) it is"))
    #expect(!prompt.contains("\(loser.key) it is"))
  }

  @Test func answersFileAndFreeTextAndWait() throws {
    let world = try LifecycleSandbox()
    _ = try world.spawn("@ask first", name: "by-file", extra: ["--no-worktree"])
    _ = try world.spawn("@ask second", name: "by-text", extra: ["--no-worktree"])
    #expect(try world.run(["wait", "by-file"]).exitCode == 3)
    #expect(try world.run(["wait", "by-text"]).exitCode == 3)

    let file = world.sandbox.root.path("answers.json")
    try #"{"q1": "red"}"#.write(toFile: file, atomically: true, encoding: .utf8)
    let byFile = try world.run(["answer", "by-file", "--answers-file", file, "--wait"])
    #expect(byFile.exitCode == 0, "\(byFile.stderr)")
    #expect(byFile.stdout == "by-file\ncompleted\n")
    #expect(try world.run(["result", "by-file"]).stdout.contains("q1 (Which color?): red"))

    let byText = try world.run(["answer", "by-text", "--wait", "--json", "whatever", "you", "like"])
    #expect(byText.exitCode == 0, "\(byText.stderr)")
    #expect(try byText.jsonObject()["status"] as? String == "completed")
    #expect(try world.run(["result", "by-text"]).stdout.contains("The answer: whatever you like"))
  }

  @Test func answeringAnAgentThatIsNotWaitingFailsAndChangesNothing() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@gate busy", name: "busy", extra: ["--no-worktree"])
    let running = try world.waitUntilRunning(name)
    let answered = try world.run(["answer", name, "--answer", "q1=yes"])
    #expect(answered.exitCode == 1)
    #expect(answered.stderr.contains("not waiting for input"))
    let unchanged = try world.record(name)
    #expect(unchanged["status"] as? String == "running")
    #expect(
      (unchanged["cli"] as? [String: Any])?["pid"] as? Int == (running["cli"] as? [String: Any])?["pid"]
        as? Int)

    try world.openGate()
    #expect(try world.run(["wait", name, "--timeout", "30"]).exitCode == 0)
    let completed = try world.run(["answer", name, "--json", "free", "text"])
    #expect(completed.exitCode == 1)
    let error = try #require(try completed.jsonObject()["error"] as? [String: Any])
    #expect(error["code"] as? String == "invalid_state")
    #expect(try world.record(name)["status"] as? String == "completed")
    #expect(try world.calls().count == 1)

    // Usage mistakes: no answers, two ways at once, a malformed pair.
    #expect(try world.run(["answer", name]).exitCode == 2)
    #expect(try world.run(["answer", name, "--answer", "q1=a", "free text"]).exitCode == 2)
    #expect(try world.run(["answer", name, "--answer", "novalue"]).exitCode == 2)
  }

  @Test func wrongAnswersAreRejectedAndTheAgentKeepsWaiting() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@ask once more", name: "picky", extra: ["--no-worktree"])
    #expect(try world.run(["wait", name]).exitCode == 3)
    let unknown = try world.run(["answer", name, "--answer", "q9=what"])
    #expect(unknown.exitCode == 1)
    #expect(unknown.stderr.contains("q9"))
    #expect(try world.record(name)["status"] as? String == "waiting_for_input")
    #expect(try world.run(["questions", name, "--json"]).jsonArray().count == 1)
    #expect(try world.calls().count == 1)
  }
}
