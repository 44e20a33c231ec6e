import Foundation
import MultiAgent
import Testing
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// A spawn repairs what crashes left behind: with `--max-running` before it records the new agent
/// (the limit counts the agents that really run), otherwise once the new agent is on its way — or,
/// with `--wait`, once it settled (made by the new agent's supervisor, after it told the spawn).
/// Statuses are read from the database itself, since every command would repair first.
@Suite struct SpawnReconcileTests {
  /// An agent whose supervisor and CLI were killed: it still reads `running` until a reconcile.
  private func deadAgent(in world: LifecycleSandbox) throws -> AgentStore {
    _ = try world.spawn("@gate first", name: "first")
    let running = try world.waitUntilRunning("first")
    let id = try #require(running["id"] as? String)
    let supervisor = try #require((running["supervisor"] as? [String: Any])?["pid"] as? Int)
    kill(pid_t(supervisor), SIGKILL)
    for pid in processes(ofAgent: id) { kill(pid, SIGKILL) }
    #expect(try eventually { kill(pid_t(supervisor), 0) != 0 && processes(ofAgent: id).isEmpty })
    let store = try AgentStore(path: world.home + "/state.db")
    #expect(try store.agent(named: "first")?.status == .running)
    return store
  }

  @Test func aLimitedSpawnRepairsTheDeadBeforeCounting() throws {
    let world = try LifecycleSandbox()
    let store = try deadAgent(in: world)
    _ = try world.spawn("@gate second", name: "second", extra: ["--max-running", "1"])
    // The dead agent's slot went to the new one: it was repaired before the count.
    #expect(try store.agent(named: "first")?.status != .running)
    #expect(try store.agent(named: "second")?.status != .queued)
    try world.openGate()
    try world.waitForAll(["second"], "completed")
  }

  @Test func anUnlimitedSpawnRepairsTheDeadAfterRecording() throws {
    let world = try LifecycleSandbox()
    let store = try deadAgent(in: world)
    _ = try world.spawn("@gate second", name: "second")
    #expect(try store.agent(named: "first")?.status != .running)
    try world.openGate()
    try world.waitForAll(["second"], "completed")
  }

  /// A waiting spawn has its repairs made once its agent settled, not beside the CLI's start (where
  /// they would slow the CLI on a small machine) — by the agent's supervisor, right after the spawn
  /// heard of the settlement, with no other command run.
  @Test func aWaitingSpawnRepairsTheDeadOnceItsAgentSettled() throws {
    let world = try LifecycleSandbox()
    let store = try deadAgent(in: world)
    let result = try world.run([
      "spawn", "--provider", "fake", "--cwd", world.repository, "--name", "second", "--wait", "--timeout",
      "60",
      "work",
    ])
    #expect(result.exitCode == 0, "\(result.stderr)")
    #expect(try eventually(timeout: 10) { try store.agent(named: "first")?.status != .running })
    let first = try #require(try store.agent(named: "first"))
    let second = try #require(try store.agent(named: "second"))
    #expect(second.status == .completed)
    let repaired = try #require(try store.events(agentID: first.id).last { $0.fromStatus == .running })
    let settled = try #require(try store.events(agentID: second.id).last { $0.toStatus == .completed })
    #expect(repaired.id > settled.id, "the repair came after the new agent settled")
  }
}
