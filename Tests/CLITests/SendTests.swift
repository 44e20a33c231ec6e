import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// `multiagent send` in every state an agent can be in (the fake CLI has no live channel; the live
/// case runs with the real claude in the end-to-end tests).
@Suite struct SendTests {
  private func lastPrompt(_ world: LifecycleSandbox) throws -> String {
    try #require(try world.calls().last).argv.joined(separator: " ")
  }

  private func events(_ world: LifecycleSandbox, _ name: String) throws -> String {
    try world.run(["--json", "events", "--agent", name]).stdout
  }

  @Test func aWaitingAgentIsAnsweredNotSentTo() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@ask which color", name: "asking")
    #expect(try world.run(["wait", name, "--timeout", "60"]).exitCode == 3)
    let sent = try world.run(["send", name, "blue please"])
    #expect(sent.exitCode == 1)
    #expect(sent.stderr.contains("multiagent answer asking"), "\(sent.stderr)")
    #expect(try world.record(name)["status"] as? String == "waiting_for_input")
    #expect(try world.calls().count == 1)
  }

  @Test(arguments: ["completed", "failed", "stopped", "crashed"])
  func aFinishedAgentResumesItsSessionWithTheMessage(_ state: String) throws {
    let world = try LifecycleSandbox()
    let name: String
    switch state {
    case "completed":
      name = try world.spawn("first task", name: "again")
      #expect(try world.run(["wait", name, "--timeout", "60"]).exitCode == 0)
    case "failed":
      name = try world.spawn("@fail first task", name: "again")
      #expect(try world.run(["wait", name, "--timeout", "60"]).exitCode == 1)
    case "stopped":
      name = try world.spawn("@gate first task", name: "again")
      try world.waitForRecord(name, "with a session") { $0["session_id"] is String }
      #expect(try world.run(["stop", name]).exitCode == 0)
    default:
      // The CLI killed by a signal: crashed.
      name = try world.spawn("@gate first task", name: "again")
      let running = try world.waitUntilRunning(name)
      try world.waitForRecord(name, "with a session") { $0["session_id"] is String }
      let pid = try #require((running["cli"] as? [String: Any])?["pid"] as? Int)
      kill(pid_t(pid), SIGKILL)
      #expect(try world.run(["wait", name, "--timeout", "60"]).exitCode == 1)
    }
    let before = try world.record(name)
    #expect(before["status"] as? String == state, "\(before)")
    let session = try #require(before["session_id"] as? String)

    let sent = try world.run(["send", name, "--wait", "--timeout", "60", "now", "the", "second", "task"])
    #expect(sent.exitCode == 0, "\(sent.stdout) \(sent.stderr)")
    let after = try world.record(name)
    #expect(after["status"] as? String == "completed", "\(after)")
    #expect(after["session_id"] as? String == session)
    #expect(jsonTime(after["finished_at"]) != nil, "\(after)")
    let argv = try #require(try world.calls().last).argv
    #expect(argv.contains("--resume") && argv.contains(session), "\(argv)")
    #expect(try lastPrompt(world).contains("Message from the user:\n\nnow the second task"))
    #expect(try events(world, name).contains("message_sent"))
  }

  @Test func aRunningAgentWithoutALiveChannelGetsTheMessageWhenItsRunEnds() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@gate long task", name: "busy")
    try world.waitUntilRunning(name)
    let sent = try world.run(["--json", "send", name, "also update the changelog"])
    #expect(sent.exitCode == 0, "\(sent.stderr)")
    #expect(try sent.jsonObject()["name"] as? String == "busy")
    #expect(try world.calls().count == 1, "nothing reaches a CLI without a live channel while it runs")
    try world.openGate()
    #expect(try world.run(["wait", name, "--timeout", "60"]).exitCode == 0)
    let calls = try world.calls()
    #expect(calls.count == 2, "the run ended, and its session resumed with the message")
    #expect(calls[1].argv.joined(separator: " ").contains("also update the changelog"))
    let events = try events(world, name)
    #expect(events.contains("message_sent") && events.contains("message_delivered"), "\(events)")
    #expect(try world.record(name)["status"] as? String == "completed")
  }

  @Test func aMessageSurvivesTheSupervisorBeingKilled() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@gate long task", name: "sturdy")
    let running = try world.waitUntilRunning(name)
    #expect(try world.run(["send", name, "do not forget the tests"]).exitCode == 0)
    let supervisor = try #require((running["supervisor"] as? [String: Any])?["pid"] as? Int)
    kill(pid_t(supervisor), SIGKILL)
    #expect(try world.run(["reconcile"]).exitCode == 0)
    try world.openGate()
    #expect(try world.run(["wait", name, "--timeout", "60"]).exitCode == 0)
    let calls = try world.calls()
    #expect(calls.count == 2, "\(calls.map(\.argv))")
    #expect(calls.last?.argv.joined(separator: " ").contains("do not forget the tests") == true)
  }

  @Test func badMessagesAreRefused() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("first task", name: "plain")
    #expect(try world.run(["wait", name, "--timeout", "60"]).exitCode == 0)
    #expect(try world.run(["send", name]).exitCode == 2)
    #expect(try world.run(["send", name, "--file", "/nonexistent/message.txt"]).exitCode == 1)
    #expect(try world.run(["send", name, "-"], input: "   \n").exitCode != 0)
    #expect(try world.run(["send", "nobody-here", "hello"]).exitCode == 1)
    #expect(try world.calls().count == 1)
    // From stdin.
    let piped = try world.run(["send", name, "--wait", "-"], input: "from a pipe\n")
    #expect(piped.exitCode == 0, "\(piped.stderr)")
    #expect(try lastPrompt(world).contains("from a pipe"))
  }
}
