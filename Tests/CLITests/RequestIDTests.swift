import Foundation
import Testing
import TestSupport

/// `answer --request-id` and `send --request-id`: a request applied once is not applied again, so a
/// caller that lost the reply (a controller whose SSH call to a host timed out) may retry safely.
@Suite struct RequestIDTests {
  private func requestEvents(_ world: LifecycleSandbox, _ name: String, _ id: String) throws -> Int {
    try world.run(["--json", "events", "--agent", name]).jsonLines().filter {
      ($0["data"] as? [String: Any])?["request_id"] as? String == id
    }.count
  }

  @Test func anAnswerRetriedWithItsRequestIDIsAppliedOnce() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@ask pick a color", name: "asker")
    #expect(try world.run(["wait", name, "--timeout", "60"]).exitCode == 3)
    let first = try world.run(["answer", name, "--request-id", "req-1", "--answer", "q1=blue"])
    #expect(first.exitCode == 0 && first.stdout == "asker\n", "\(first.stderr)")
    #expect(try world.run(["wait", name, "--timeout", "60"]).exitCode == 0)

    // The retry: the agent no longer waits, yet the same request is a success that changes nothing.
    let again = try world.run(["--json", "answer", name, "--request-id", "req-1", "--answer", "q1=red"])
    #expect(again.exitCode == 0, "\(again.stderr)")
    #expect(try again.jsonObject()["status"] as? String == "completed")
    #expect(try world.calls().count == 2, "one run for the task, one for the answer")
    #expect(try requestEvents(world, name, "req-1") == 1)

    // Another request id is a new answer, refused as any answer to an agent that does not wait.
    let other = try world.run(["answer", name, "--request-id", "req-2", "--answer", "q1=red"])
    #expect(other.exitCode == 1 && other.stderr.contains("not waiting for input"), "\(other.stderr)")
  }

  @Test func aFreeTextAnswerIsReadFromStandardInput() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@ask pick a color", name: "reader")
    #expect(try world.run(["wait", name, "--timeout", "60"]).exitCode == 3)
    let answered = try world.run(["answer", name, "-"], input: "green, with 'quotes' and $HOME\n")
    #expect(answered.exitCode == 0, "\(answered.stderr)")
    #expect(try world.run(["wait", name, "--timeout", "60"]).exitCode == 0)
    let prompt = try #require(try world.calls().last?.argv.last)
    #expect(prompt.contains("green, with 'quotes' and $HOME"), "\(prompt)")
  }

  @Test func aMessageRetriedWithItsRequestIDIsSentOnce() throws {
    let world = try LifecycleSandbox()
    // A running agent without a live channel: the message waits in its inbox.
    let busy = try world.spawn("@gate long task", name: "busy")
    try world.waitUntilRunning(busy)
    for _ in 0..<2 {
      let sent = try world.run(["send", busy, "--request-id", "msg-1", "also the changelog"])
      #expect(sent.exitCode == 0, "\(sent.stderr)")
    }
    try world.openGate()
    #expect(try world.run(["wait", busy, "--timeout", "60"]).exitCode == 0)
    let calls = try world.calls()
    #expect(calls.count == 2, "\(calls.map(\.argv))")
    let resumed = calls.last?.argv.joined(separator: " ") ?? ""
    #expect(resumed.components(separatedBy: "also the changelog").count == 2, "once: \(resumed)")
    #expect(try requestEvents(world, busy, "msg-1") == 1)

    // A finished agent: the first send resumes it; the retry changes nothing.
    for _ in 0..<2 {
      let sent = try world.run(["send", busy, "--request-id", "msg-2", "--wait", "--timeout", "60", "more"])
      #expect(sent.exitCode == 0, "\(sent.stderr)")
    }
    #expect(try world.calls().count == 3)
    #expect(try requestEvents(world, busy, "msg-2") >= 1)
  }

  @Test(arguments: ["", "has space", "semi;colon", String(repeating: "x", count: 129), "../up"])
  func badRequestIDsAreRefused(_ id: String) throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@ask pick a color", name: "strict")
    #expect(try world.run(["wait", name, "--timeout", "60"]).exitCode == 3)
    let answered = try world.run(["--json", "answer", name, "--request-id", id, "--answer", "q1=blue"])
    #expect(answered.exitCode == 2, "\(answered.stderr)")
    #expect(
      answered.stderr.contains("request id") || answered.stderr.contains("--request-id"), "\(answered.stderr)"
    )
    #expect(try world.record(name)["status"] as? String == "waiting_for_input")
    let sent = try world.run(["send", name, "--request-id", id, "hello"])
    #expect(sent.exitCode == 2, "\(sent.stderr)")
  }
}
