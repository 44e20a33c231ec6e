import Foundation
import Testing
import TestSupport

/// `wait`: one agent, `--any`, `--all`, timeouts that leave agents alone, and waits that consume
/// nothing.
@Suite struct WaitTests {
  @Test func timeoutPrintsASnapshotAndLeavesTheAgentRunning() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@gate slow", name: "slow")
    let id = try #require(try world.waitUntilRunning(name)["id"] as? String)

    let timedOut = try world.run(["wait", name, "--timeout", "1", "--json"])
    #expect(timedOut.exitCode == 124, "\(timedOut.stderr)")
    let snapshot = try timedOut.jsonObject()
    #expect(snapshot["name"] as? String == name)
    #expect(snapshot["status"] as? String == "running")
    #expect(snapshot["timed_out"] as? Bool == true)
    #expect((snapshot["age_seconds"] as? Double).map { $0 >= 0 } == true)
    #expect((snapshot["error"] as? [String: Any])?["code"] as? String == "timed_out")
    #expect(timedOut.stderr.contains("slow"))

    let text = try world.run(["wait", name, "--timeout", "0.2"])
    #expect(text.exitCode == 124)
    #expect(text.stdout.hasPrefix("running (age "), "\(text.stdout)")

    // The timeouts changed nothing: the agent still runs and then finishes normally.
    #expect(try world.record(name)["status"] as? String == "running")
    #expect(!processes(ofAgent: id).isEmpty)
    try world.openGate()
    let done = try world.run(["wait", name, "--timeout", "30", "--json"])
    #expect(done.exitCode == 0, "\(done.stderr)")
    let record = try done.jsonObject()
    #expect(record["status"] as? String == "completed")
    #expect(record["result"] as? String == "done: @gate slow")
    #expect(record["timed_out"] == nil)

    // Waiting consumes nothing.
    let again = try world.run(["wait", name, "--timeout", "30"])
    #expect(again.exitCode == 0)
    #expect(again.stdout == "completed\n")
  }

  @Test func anyReturnsTheFirstToSettle() throws {
    let world = try LifecycleSandbox()
    let gated = try world.spawn("@gate later", name: "gated")
    let quick = try world.spawn("quick", name: "quick")

    let first = try world.run(["wait", "--any", gated, quick, "--timeout", "30"])
    #expect(first.exitCode == 0, "\(first.stderr)")
    #expect(first.stdout == "quick completed\n")
    let json = try world.run(["wait", "--any", gated, quick, "--timeout", "30", "--json"])
    #expect(json.exitCode == 0)
    #expect(try json.jsonObject()["name"] as? String == quick)
    #expect(try world.record(gated)["status"] as? String != "completed")

    let none = try world.run(["wait", "--any", gated, "--timeout", "0.5", "--json"])
    #expect(none.exitCode == 124)
    let pending = try none.jsonArray()
    #expect(pending.map { $0["name"] as? String } == [gated])
    #expect(pending.first?["timed_out"] as? Bool == true)

    let failing = try world.spawn("@fail", name: "failing")
    #expect(try world.run(["wait", failing, "--timeout", "30"]).exitCode == 1)
    let failed = try world.run(["wait", "--any", gated, failing, "--timeout", "30"])
    #expect(failed.exitCode == 1)
    #expect(failed.stdout == "failing failed\n")

    try world.openGate()
    #expect(try world.run(["wait", gated, "--timeout", "30"]).exitCode == 0)
  }

  @Test func allWaitsForEveryAgentAndCombinesTheExitCodes() throws {
    let world = try LifecycleSandbox()
    let first = try world.spawn("@gate first", name: "first")
    let broken = try world.spawn("@fail broken", name: "broken")
    #expect(try world.run(["wait", broken, "--timeout", "30"]).exitCode == 1)

    // Only the agent still running is reported on timeout.
    let partial = try world.run(["wait", "--all", first, broken, "--timeout", "0.5", "--json"])
    #expect(partial.exitCode == 124)
    let pending = try partial.jsonArray()
    #expect(pending.map { $0["name"] as? String } == [first])
    #expect(pending.first?["timed_out"] as? Bool == true)
    #expect(pending.first?["age_seconds"] is Double)

    try world.openGate()
    let all = try world.run(["wait", "--all", first, broken, "--timeout", "30", "--json"])
    #expect(all.exitCode == 1, "\(all.stderr)")
    let records = try all.jsonArray()
    #expect(records.map { $0["name"] as? String } == [first, broken])
    #expect(records.map { $0["status"] as? String } == ["completed", "failed"])

    let text = try world.run(["wait", "--all", first, broken, "--timeout", "30"])
    #expect(text.exitCode == 1)
    #expect(text.stdout == "first completed\nbroken failed\n")
    #expect(text.stderr.contains("broken:"))

    let second = try world.spawn("second", name: "second")
    let completed = try world.run(["wait", "--all", first, second, "--timeout", "30"])
    #expect(completed.exitCode == 0, "\(completed.stderr)")
    #expect(completed.stdout == "first completed\nsecond completed\n")

    let asker = try world.spawn("@ask", name: "asker")
    #expect(try world.run(["wait", "--all", first, asker, "--timeout", "30"]).exitCode == 3)
    #expect(try world.run(["wait", "--all", asker, broken, "--timeout", "30"]).exitCode == 1)
    // Still waiting for input: nothing was consumed.
    #expect(try world.record(asker)["status"] as? String == "waiting_for_input")
  }

  @Test func severalNamesNeedAnyOrAllAndUnknownNamesFailBeforeWaiting() throws {
    let world = try LifecycleSandbox()
    let gated = try world.spawn("@gate held", name: "held")

    let ambiguous = try world.run(["wait", gated, "other"])
    #expect(ambiguous.exitCode == 2)
    #expect(ambiguous.stderr.contains("--any"))
    #expect(ambiguous.stderr.contains("--all"))
    #expect(try world.run(["wait", "--any", "--all", gated]).exitCode == 2)

    // Were it waiting, it would time out (124) while the gate is shut.
    let unknown = try world.run(["wait", "--all", gated, "ghost-agent", "--timeout", "30"])
    #expect(unknown.exitCode == 1)
    #expect(unknown.stderr.contains("ghost-agent"))
    #expect(try world.run(["wait", "--any", "ghost-agent", gated, "--timeout", "30"]).exitCode == 1)

    try world.openGate()
    #expect(try world.run(["wait", gated, "--timeout", "30"]).exitCode == 0)
  }
}
