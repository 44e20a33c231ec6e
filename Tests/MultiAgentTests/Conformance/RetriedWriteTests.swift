import Foundation
import ProcessKit
import ProviderKit
import StateStore
import TestSupport
import Testing

@testable import MultiAgent

/// The writes a supervisor retries after a store error are idempotent by a natural key: applied a
/// second time (its first reply lost, though it committed), they change nothing — on every engine.
@Suite struct RetriedWriteTests {
  private static func result(_ text: String) -> AgentEvent {
    AgentEvent(offset: 0, kind: .result(text: text, isError: false))
  }

  @Test(arguments: TestEngine.available)
  func anOutputCommitAppliesOnceByItsOffsets(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)  // kept: its end drops the database
    let store = try under.open()
    try store.create(AgentRecord(id: "a1", name: "one", provider: "claude", status: .running))
    let events = [Self.result("first")]
    let fold: (inout AgentRecord) -> Void = { Settlement.fold(events, into: &$0) }
    #expect(try store.commitOutput(id: "a1", from: 0, to: 100, fold) == .applied)
    let once = try #require(try store.agent(id: "a1"))
    #expect(once.parseOffset == 100 && once.result == "first")
    // The same commit again (a retry after its reply was lost): nothing is written.
    #expect(try store.commitOutput(id: "a1", from: 0, to: 100, fold) == .alreadyApplied)
    #expect(try store.agent(id: "a1") == once)
    // A later change is not folded over by a stale retry.
    try store.update(id: "a1") { $0.result = "changed since" }
    #expect(try store.commitOutput(id: "a1", from: 0, to: 100, fold) == .alreadyApplied)
    #expect(try store.agent(id: "a1")?.result == "changed since")
    // Offsets only (output that changes nothing else): the same key.
    #expect(try store.commitOutput(id: "a1", from: 100, to: 150) == .applied)
    let moved = try #require(try store.agent(id: "a1"))
    #expect(try store.commitOutput(id: "a1", from: 100, to: 150) == .alreadyApplied)
    #expect(try store.agent(id: "a1") == moved)
    // Another writer's offset is not overwritten.
    #expect(try store.commitOutput(id: "a1", from: 100, to: 200) == .moved(150))
    #expect(try store.commitOutput(id: "a1", from: 100, to: 200, fold) == .moved(150))
    #expect(try store.agent(id: "a1") == moved)
    #expect {
      try store.commitOutput(id: "nobody", from: 0, to: 1)
    } throws: { ($0 as? StoreError)?.code == .notFound }
    #expect(try store.events(agentID: "a1").filter { $0.type == .statusChanged }.isEmpty)
  }

  /// A settlement retried after it committed finds the agent settled: no second `status_changed`
  /// event, the same status, and no error.
  @Test(arguments: TestEngine.available)
  func aRetriedSettlementAppliesOnce(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)  // kept: its end drops the database
    let store = try under.open()
    let directory = try TemporaryDirectory(prefix: "retried-settle")
    let paths = AgentPaths(home: StateHome(path: directory.path("home")), id: "a1")
    var record = AgentRecord(id: "a1", name: "one", provider: "claude", status: .running)
    record.result = "done"
    try store.create(record)
    for _ in 0..<2 {
      let status = try SupervisionLoop.settle(
        store: store, id: "a1", exit: .exited(0), paths: paths, from: .running)
      #expect(status == .completed)
    }
    let settled = try store.events(agentID: "a1").filter { $0.type == .statusChanged }
    #expect(settled.map(\.toStatus) == [.completed])
    #expect(try store.agent(id: "a1")?.exitCode == 0)
  }

  /// A settlement retried after someone else changed the status (an answer moved a waiting agent
  /// to `starting`) does not settle over it, though `starting` is a status a supervisor settles.
  @Test(arguments: TestEngine.available)
  func aRetriedSettlementNeverSettlesOverALaterChange(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)  // kept: its end drops the database
    let store = try under.open()
    let directory = try TemporaryDirectory(prefix: "retried-settle")
    let paths = AgentPaths(home: StateHome(path: directory.path("home")), id: "a1")
    try store.create(AgentRecord(id: "a1", name: "one", provider: "claude", status: .running))
    try store.transition(id: "a1", .holdQuestion)
    try store.transition(id: "a1", .answer)
    let status = try SupervisionLoop.settle(
      store: store, id: "a1", exit: .exited(1), paths: paths, from: .running)
    #expect(status == .starting)
    #expect(try store.agent(id: "a1")?.status == .starting)
    // Without a key, any status a supervisor owns is settled (reconcile's way).
    #expect(try SupervisionLoop.settle(store: store, id: "a1", exit: .exited(1), paths: paths) == .failed)
  }

  /// A launch retried after it committed finds the agent running this CLI: `running` is one of the
  /// statuses it launches from, and the same values again write nothing (no second event).
  @Test(arguments: TestEngine.available)
  func aRetriedLaunchAppliesOnce(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)  // kept: its end drops the database
    let store = try under.open()
    try store.create(AgentRecord(id: "a1", name: "one", provider: "claude", status: .starting))
    let cli = ProcessIdentity(pid: 4242, startTime: 7, spawnID: "s1")
    let first = try store.transition(id: "a1", .launch, message: "started") { $0.cli = cli }
    let second = try store.transition(id: "a1", .launch, message: "started") { $0.cli = cli }
    #expect(first.applied && first.event != nil)
    #expect(second.applied && second.event == nil && second.record == first.record)
    #expect(try store.events(agentID: "a1").filter { $0.type == .statusChanged }.count == 1)
  }

  @Test func aKeyedChangeAppliesFromThatStatusOnly() {
    #expect(StatusChange.settle(to: .completed).only(from: .running).from == [.running])
    #expect(StatusChange.settle(to: .completed).only(from: .stopped).from.isEmpty)
    #expect(StatusChange.fail.only(from: nil) == StatusChange.fail)
  }
}
