import Foundation
import JSONKit
import TestSupport
import Testing

/// The four scenarios, each asserting what a user sees: exit codes, `show`, `logs`, accounts, and
/// the requests the fake server received.
extension PythonCLIScenarios {
  static let helloScript = script(
    a: """
      [{"text": "Hello from the fake model.", "shell": \(quoted(writeSignal(#"{"status":"done","result":"Said hello."}"#)))},
       {"text": "Done."}]
      """)

  /// Hello: assistant text, the tool call that writes the signal file, the session id, completed.
  func helloWithAToolCallThatWritesTheSignal() throws {
    let spawn = try multiagent(
      [
        "spawn", "--provider", provider, "--cwd", repository, "--name", "hello", "--account", "A",
        "Say hello.",
      ])
    #expect(spawn.exitCode == 0, "spawn: \(spawn.stderr)")
    let waited = try multiagent(["wait", "hello", "--timeout", "200"])
    #expect(waited.exitCode == 0, "wait: \(waited.stdout) \(waited.stderr)")
    let shown = try record("hello")
    #expect(shown["status"] as? String == "completed", "\(shown)")
    #expect(shown["result"] as? String == "Said hello.")
    let sessionID = try #require(shown["session_id"] as? String)
    #expect(!sessionID.isEmpty)

    let events = try events("hello")
    let types = events.compactMap { $0["type"] as? String }
    #expect(
      events.contains {
        $0["type"] as? String == "assistant_text"
          && "\($0["text"] ?? "")".contains("Hello from the fake model.")
      }, "\(types)")
    #expect(types.contains("tool_use"), "\(types)")
    #expect(types.contains("tool_result"), "\(types)")
    #expect(types.contains("session_started"), "\(types)")
    #expect(
      events.contains {
        $0["type"] as? String == "session_started" && $0["session_id"] as? String == sessionID
      })
    // The prompt reached the model through account A's key.
    #expect(try bodies(of: Self.keyA).first?.contains("Say hello.") == true)
  }

  static let questionsScript = script(
    a: """
      [
        {"text": "I need a decision.", "shell": \(quoted(writeSignal(#"{"status":"questions","questions":[{"id":"q1","question":"Which color should the fence be?","options":["red","blue"]}]}"#)))},
        {"text": "Asked which color."},
        {"text": "Painting.", "shell": \(quoted(writeSignal(#"{"status":"done","result":"Painted the fence blue."}"#)))},
        {"text": "Done."}
      ]
      """)

  /// Questions → answer → the same session resumes with the first turn in its request.
  func questionsAnswerResumeTheSameSession() throws {
    let spawn = try multiagent(
      [
        "spawn", "--provider", provider, "--cwd", repository, "--name", "fence", "--account", "A",
        "Paint the fence.",
      ])
    #expect(spawn.exitCode == 0, "spawn: \(spawn.stderr)")
    let waiting = try multiagent(["wait", "fence", "--timeout", "200"])
    #expect(waiting.exitCode == 3, "wait: \(waiting.stdout) \(waiting.stderr)")
    let first = try record("fence")
    #expect(first["status"] as? String == "waiting_for_input")
    let sessionID = try #require(first["session_id"] as? String)
    let questions = try multiagent(["--json", "questions", "fence"])
    #expect(questions.stdout.contains("Which color should the fence be?"), "\(questions.stdout)")

    let answer = try multiagent(["answer", "fence", "--answer", "q1=blue"])
    #expect(answer.exitCode == 0, "answer: \(answer.stderr)")
    let done = try multiagent(["wait", "fence", "--timeout", "200"])
    #expect(done.exitCode == 0, "wait: \(done.stdout) \(done.stderr)")
    let final = try record("fence")
    #expect(final["status"] as? String == "completed")
    #expect(final["result"] as? String == "Painted the fence blue.")
    #expect(final["session_id"] as? String == sessionID)

    // The resumed request carried the first turn and the answer.
    let resumed = try #require(try bodies(of: Self.keyA).dropFirst(2).first)
    #expect(resumed.contains("Paint the fence."))
    #expect(resumed.contains("Asked which color."))
    #expect(resumed.contains("q1 (Which color should the fence be?): blue"))
  }

  /// Account A answers a first turn, then every request gets a quota reply in the vendor's shape.
  static func rotationScript(quota: String) -> String {
    script(
      a: """
        [{"text": "Starting on the first account.", "shell": "echo turn-one-output"},
         {"error": "quota", \(quota) "repeat": "forever"}]
        """,
      b: """
        [{"text": "Continuing.", "shell": \(quoted(writeSignal(#"{"status":"done","result":"Finished on the second account."}"#)))},
         {"text": "Done."}]
        """)
  }

  /// A quota reply on A: A is parked (default cooldown: no CLI prints a reset), the session moves
  /// and completes on B with the conversation.
  func quotaOnAccountACompletesOnAccountB() throws {
    let spawn = try multiagent(
      [
        "spawn", "--provider", provider, "--cwd", repository, "--name", "rotating", "--account", "A",
        "--rotate",
        "Do the two-step task.",
      ])
    #expect(spawn.exitCode == 0, "spawn: \(spawn.stderr)")
    let waited = try multiagent(["wait", "rotating", "--timeout", "230"])
    #expect(waited.exitCode == 0, "wait: \(waited.stdout) \(waited.stderr)")
    let shown = try record("rotating")
    let accounts = try accounts()
    #expect(shown["status"] as? String == "completed", "\(shown)")
    #expect(shown["result"] as? String == "Finished on the second account.")
    #expect(shown["account"] as? String == accounts["B"]?["id"] as? String)
    #expect(accounts["A"]?["status"] as? String == "exhausted", "\(accounts)")

    // The conversation moved: B's first request holds the task, A's tool call and its output.
    let firstOnB = try #require(try bodies(of: Self.keyB).first)
    #expect(firstOnB.contains("Do the two-step task."))
    #expect(firstOnB.contains("echo turn-one-output"))
    #expect(firstOnB.contains("turn-one-output\\n") || firstOnB.contains("turn-one-output"))
    let events = try multiagent(["events", "--agent", "rotating"])
    #expect(events.stdout.contains("account_switched"), "\(events.stdout)")
    #expect(events.stdout.contains("moved from account A"), "\(events.stdout)")
  }

  static let rateLimitScript = script(
    a: """
      [{"error": "rate_limit"},
       {"text": "Recovered.", "shell": \(quoted(writeSignal(#"{"status":"done","result":"Done after a 429."}"#)))},
       {"text": "Done."}]
      """)

  /// A 429 the CLI retries past: the agent completes on A and no account is parked.
  func aRateLimitIsNoExhaustion() throws {
    let spawn = try multiagent(
      [
        "spawn", "--provider", provider, "--cwd", repository, "--name", "throttled", "--account", "A",
        "--rotate",
        "Work through a 429.",
      ])
    #expect(spawn.exitCode == 0, "spawn: \(spawn.stderr)")
    let waited = try multiagent(["wait", "throttled", "--timeout", "230"])
    #expect(waited.exitCode == 0, "wait: \(waited.stdout) \(waited.stderr)")
    let shown = try record("throttled")
    #expect(shown["status"] as? String == "completed", "\(shown)")
    #expect(shown["result"] as? String == "Done after a 429.")
    let accounts = try accounts()
    #expect(shown["account"] as? String == accounts["A"]?["id"] as? String)
    #expect(accounts.values.allSatisfy { $0["status"] as? String == "available" }, "\(accounts)")
    #expect(try bodies(of: Self.keyA).count >= 3)
    #expect(try bodies(of: Self.keyB).isEmpty)
    let events = try multiagent(["events", "--agent", "throttled"])
    #expect(!events.stdout.contains("account_exhausted"), "\(events.stdout)")
  }
}
