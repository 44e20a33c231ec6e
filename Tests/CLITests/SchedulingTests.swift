import Foundation
import MultiAgent
import Testing
import TestSupport

/// Scheduling: limits in `<home>/config.json` (or `spawn --max-running`) queue spawns as `queued`,
/// and supervisors and reconcile start them in FIFO order when slots free, without a daemon.
@Suite struct SchedulingTests {
  @Test func aGlobalLimitQueuesSpawnsAndStartsThemInOrder() throws {
    let world = try LifecycleSandbox()
    try world.writeConfig(#"{"limits": {"maxRunning": 2}}"#)
    let names = (1...5).map { "job-\($0)" }
    for name in names { _ = try world.spawn("@gate \(name)", name: name) }

    let records = try world.recordsByName()
    let statuses = names.map { records[$0]?["status"] as? String ?? "?" }
    #expect(statuses[0..<2].allSatisfy { $0 == "starting" || $0 == "running" }, "\(statuses)")
    #expect(Array(statuses[2...]) == ["queued", "queued", "queued"])
    #expect(names.map { records[$0]?["queue_position"] as? Int } == [nil, nil, 1, 2, 3])
    let table = try world.run(["list"])
    #expect(table.stdout.contains("queued (#1)") && table.stdout.contains("queued (#3)"), "\(table.stdout)")
    // Commands reconcile, and reconcile starts nothing while the slots are taken.
    try world.waitUntilRunning("job-1")
    try world.waitUntilRunning("job-2")
    #expect(try world.record("job-3")["status"] as? String == "queued")

    try world.openGate()
    try world.waitForAll(names, "completed")
    #expect(try world.admissionOrder(names) == names)
    let results = try world.recordsByName()
    #expect(names.map { results[$0]?["result"] as? String } == names.map { "done: @gate \($0)" })
  }

  @Test func aPerProviderLimitQueuesOnlyThatProvider() throws {
    let world = try LifecycleSandbox()
    try world.sandbox.writeUserCatalog(
      """
      {"providers": {
        "fake": {"extends": "claude", "binary": "\(world.fakePath)"},
        "other": {"extends": "claude", "binary": "\(world.fakePath)"}
      }}
      """)
    try world.writeConfig(#"{"limits": {"perProvider": {"fake": 1}}}"#)
    _ = try world.spawn("@gate first", name: "first")
    _ = try world.spawn("@gate second", name: "second")
    let other = try world.run([
      "spawn", "--provider", "other", "--cwd", world.repository, "--name", "third", "@gate 3",
    ])
    #expect(other.exitCode == 0, "\(other.stderr)")

    #expect(try world.record("second")["status"] as? String == "queued")
    try world.waitUntilRunning("first")
    try world.waitUntilRunning("third")
    #expect(try world.record("second")["status"] as? String == "queued")

    try world.openGate()
    try world.waitForAll(["first", "second", "third"], "completed")
    #expect(try world.admissionOrder(["first", "second"]) == ["first", "second"])
  }

  @Test func aQueuedAgentCanBeWaitedOnStoppedAndDeleted() throws {
    let world = try LifecycleSandbox()
    _ = try world.spawn("@gate running", name: "running", extra: ["--max-running", "1"])
    _ = try world.spawn("@gate stopped", name: "stopped", extra: ["--max-running", "1"])
    _ = try world.spawn("@gate deleted", name: "deleted", extra: ["--max-running", "1"])
    #expect(try world.record("stopped")["status"] as? String == "queued")
    #expect(try world.record("deleted")["status"] as? String == "queued")

    // `wait` keeps waiting on a queued agent.
    let waited = try world.run(["wait", "stopped", "--timeout", "0.5"])
    #expect(waited.exitCode == 124, "\(waited.stderr)")
    #expect(waited.stdout.hasPrefix("queued"), "\(waited.stdout)")

    let stop = try world.run(["stop", "stopped"])
    #expect(stop.exitCode == 0, "\(stop.stderr)")
    #expect(try world.record("stopped")["status"] as? String == "stopped")
    let delete = try world.run(["delete", "deleted"])
    #expect(delete.exitCode == 0, "\(delete.stderr)")
    #expect(try world.run(["show", "deleted"]).exitCode != 0)

    try world.openGate()
    try world.waitForAll(["running"], "completed")
    // Neither was ever started: one CLI run in all.
    #expect(try world.run(["list"]).exitCode == 0)
    #expect(try world.record("stopped")["status"] as? String == "stopped")
    #expect(try world.calls().count == 1)
  }

  @Test func anInvalidConfigFails() throws {
    let world = try LifecycleSandbox()
    try world.writeConfig(#"{"limits": {"maxRunning": "two"}}"#)
    let result = try world.run(["spawn", "--provider", "fake", "--cwd", world.repository, "hello"])
    #expect(result.exitCode == 1)
    #expect(result.stderr.contains(world.home + "/config.json"), "\(result.stderr)")
    #expect(result.stderr.contains("limits.maxRunning"), "\(result.stderr)")
    #expect(world.leftovers().agents.isEmpty)

    try world.writeConfig("{not json")
    let broken = try world.run(["spawn", "--provider", "fake", "--cwd", world.repository, "hello"])
    #expect(broken.exitCode == 1)
    #expect(broken.stderr.contains("config.json"), "\(broken.stderr)")
  }
}
