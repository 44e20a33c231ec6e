import Foundation
import Testing
import TestSupport

/// Prompts and answers over the 128 KiB Linux allows in one argument: a provider that reads long
/// prompts on stdin gets them there; one that takes its prompt only as an argument has them
/// refused up front (exit 2), and a waiting agent stays waiting.
@Suite struct LongPromptTests {
  /// A text of at least `bytes` bytes: `first` on the first line, filler, and `END-OF-PROMPT` last.
  static func text(first: String, bytes: Int) -> String {
    let line = "lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor\n"
    return first + "\n" + String(repeating: line, count: bytes / line.utf8.count + 1) + "END-OF-PROMPT"
  }

  /// A sandbox whose catalog also has `argv-only`: the fake CLI as a provider that has no way to take
  /// a long prompt (no `longPrompt`).
  static func world() throws -> LifecycleSandbox {
    let world = try LifecycleSandbox()
    try world.sandbox.writeUserCatalog(
      """
      {"providers": {
        "fake": {"extends": "claude", "binary": "\(world.fakePath)"},
        "argv-only": {
          "binary": "\(world.fakePath)", "dialect": "claude-stream-json",
          "arguments": ["-p", "--output-format", "stream-json", "--verbose"],
          "prompt": {"mode": "positional"}, "resume": {"style": "flag", "flag": "--resume"},
          "sessionId": {"source": "pinned", "flag": "--session-id", "field": "session_id"}
        }
      }}
      """)
    return world
  }

  /// Writes `text` to a file in the sandbox and returns its path.
  static func file(_ world: LifecycleSandbox, _ name: String, _ text: String) throws -> String {
    let path = world.sandbox.root.path(name)
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  /// The stdin the fake's run `number` (from 1) read, if it read one.
  static func standardInput(_ world: LifecycleSandbox, run number: Int) -> String? {
    try? String(contentsOfFile: world.sandbox.bin + "/calls/\(number).stdin", encoding: .utf8)
  }

  @Test func aLongPromptGoesOnStdinToAProviderThatReadsItThere() throws {
    let world = try Self.world()
    let prompt = Self.text(first: "summarize the long text", bytes: 200 * 1024)
    let file = try Self.file(world, "prompt.txt", prompt)
    let spawn = try world.run(
      [
        "spawn", "--provider", "fake", "--cwd", world.repository, "--name", "long", "--prompt-file", file,
        "--wait",
      ])
    #expect(spawn.exitCode == 0, "\(spawn.stdout) \(spawn.stderr)")
    let record = try world.record("long")
    #expect(record["status"] as? String == "completed")
    #expect(record["result"] as? String == "done: summarize the long text")

    let calls = try world.calls()
    #expect(calls.count == 1)
    let argv = try #require(calls.first?.argv)
    #expect(argv.allSatisfy { $0.utf8.count < 1_000 }, "the prompt must not be in argv")
    #expect(argv.contains("--session-id"))
    let received = try #require(Self.standardInput(world, run: 1))
    let id = try #require(record["id"] as? String)
    let written = try String(contentsOfFile: world.stateDirectory(id) + "/prompt.md", encoding: .utf8)
    #expect(received == written)
    #expect(received.hasPrefix(prompt))
    #expect(received.contains("MULTIAGENT_SIGNAL_FILE"))
  }

  @Test func aLongPromptIsRefusedUpFrontWhenTheProviderTakesItOnlyAsAnArgument() throws {
    let world = try Self.world()
    let prompt = Self.text(first: "summarize the long text", bytes: 200 * 1024)
    let file = try Self.file(world, "prompt.txt", prompt)
    let branchesBefore = try world.branches()
    let arguments = [
      "--provider", "argv-only", "--cwd", world.repository, "--name", "long", "--prompt-file", file,
    ]

    let refused = try world.run(["spawn"] + arguments)
    #expect(refused.exitCode == 2, "\(refused.stdout) \(refused.stderr)")
    #expect(refused.stderr.hasPrefix("error: "))
    #expect(refused.stderr.contains("100000 bytes"), "\(refused.stderr)")
    #expect(refused.stderr.contains("argv-only takes its prompt only as an argument"), "\(refused.stderr)")
    #expect(refused.stderr.contains("--input"), "\(refused.stderr)")
    let json = try world.run(["spawn", "--json"] + arguments + ["--wait"])
    #expect(json.exitCode == 2)
    let error = try #require(try json.jsonObject()["error"] as? [String: Any])
    #expect(error["code"] as? String == "prompt_too_long")

    #expect(try world.records().isEmpty)
    let after = world.leftovers()
    #expect(after.agents.isEmpty)
    #expect(after.worktrees.isEmpty)
    #expect(try world.branches() == branchesBefore)
    #expect(try world.calls().isEmpty)
    #expect(LifecycleErrorTests.supervisorsAwaitingStart(home: world.home, within: .seconds(10)).isEmpty)

    // A prompt that fits still starts on that provider.
    let short = try world.run(
      [
        "spawn", "--provider", "argv-only", "--cwd", world.repository, "--name", "short", "--wait",
        "a short task",
      ])
    #expect(short.exitCode == 0, "\(short.stderr)")
  }

  @Test func aLongAnswerIsRefusedAndTheAgentStaysWaitingWhenTheProviderTakesItOnlyAsAnArgument() throws {
    let world = try Self.world()
    let spawn = try world.run(
      [
        "spawn", "--provider", "argv-only", "--cwd", world.repository, "--name", "asker", "--wait",
        "@ask pick",
      ])
    #expect(spawn.exitCode == 3, "\(spawn.stderr)")
    let answers = try Self.file(
      world, "answers.json",
      #"{"q1": "\#(Self.text(first: "blue", bytes: 150 * 1024).replacingOccurrences(of: "\n", with: " "))"}"#)

    let refused = try world.run(["answer", "asker", "--answers-file", answers])
    #expect(refused.exitCode == 2, "\(refused.stdout) \(refused.stderr)")
    #expect(refused.stderr.contains("100000 bytes"), "\(refused.stderr)")
    #expect(refused.stderr.contains("still waiting for input"), "\(refused.stderr)")
    let json = try world.run(["answer", "--json", "asker", "--answers-file", answers, "--wait"])
    #expect(json.exitCode == 2)
    let error = try #require(try json.jsonObject()["error"] as? [String: Any])
    #expect(error["code"] as? String == "prompt_too_long")

    let waiting = try world.record("asker")
    #expect(waiting["status"] as? String == "waiting_for_input")
    #expect((waiting["pending_questions"] as? [[String: Any]])?.first?["id"] as? String == "q1")
    #expect(try world.calls().count == 1)

    // It can still be answered.
    let answered = try world.run(["answer", "asker", "--answer", "q1=blue", "--wait"])
    #expect(answered.exitCode == 0, "\(answered.stderr)")
    #expect(try world.run(["result", "asker"]).stdout == "answered: - q1 (Which color?): blue \n")
  }

  @Test func aLongAnswerGoesOnStdinToAProviderThatReadsItThere() throws {
    let world = try Self.world()
    let spawn = try world.run(
      ["spawn", "--provider", "fake", "--cwd", world.repository, "--name", "asker", "--wait", "@ask pick"])
    #expect(spawn.exitCode == 3, "\(spawn.stderr)")
    let answer = Self.text(first: "blue", bytes: 150 * 1024).replacingOccurrences(of: "\n", with: " ")
    let answers = try Self.file(world, "answers.json", #"{"q1": "\#(answer)"}"#)

    let answered = try world.run(["answer", "asker", "--answers-file", answers, "--wait"])
    #expect(answered.exitCode == 0, "\(answered.stdout) \(answered.stderr)")
    #expect(try world.record("asker")["status"] as? String == "completed")
    let calls = try world.calls()
    #expect(calls.count == 2)
    let resumed = try #require(calls.last?.argv)
    #expect(resumed.contains("--resume"))
    #expect(resumed.allSatisfy { $0.utf8.count < 1_000 }, "the answer must not be in argv")
    let received = try #require(Self.standardInput(world, run: 2))
    #expect(received.hasPrefix("The user answered your questions:"))
    #expect(received.contains("- q1 (Which color?): " + answer))
  }
}
