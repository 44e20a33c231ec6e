import Foundation
import ProviderKit
import StateStore
import TestSupport
import Testing

@testable import MultiAgent

/// The store side of parsing a settled agent's leftover output: it lists the agents settled lately
/// (not the running ones, not the old ones), and its commit writes nothing once the agent was
/// resumed meanwhile — on every engine.
@Suite struct SettledOutputStoreTests {
  @Test(arguments: TestEngine.available)
  func recentlySettledAgentsAreListedWithTheirOffsets(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)  // kept: its end drops the database
    let store = try under.open()
    let before = Date()
    try store.create(AgentRecord(id: "s1", name: "settled", provider: "claude", status: .crashed))
    try store.create(AgentRecord(id: "r1", name: "running", provider: "claude", status: .running))
    try store.create(AgentRecord(id: "w1", name: "waiting", provider: "claude", status: .waitingForInput))
    _ = try store.commitOutput(id: "s1", from: 0, to: 42)
    let rows = try store.settledParseOffsets(since: before.addingTimeInterval(-1))
    #expect(rows.map(\.id) == ["s1"])
    #expect(rows.first?.parseOffset == 42)
    #expect(try store.settledParseOffsets(since: Date().addingTimeInterval(60)).isEmpty)
  }

  @Test(arguments: TestEngine.available)
  func aCommitConditionedOnTheRecordWritesNothingWhenItNoLongerHolds(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)
    let store = try under.open()
    try store.create(AgentRecord(id: "a1", name: "one", provider: "claude", status: .completed))
    // Resumed since it was read as settled (an answer, a send): the leftover is not folded in.
    try store.update(id: "a1") { $0.status = .starting }
    let resumed = try #require(try store.agent(id: "a1"))
    let outcome = try store.commitOutput(id: "a1", from: 0, to: 10, onlyIf: { $0.status.isTerminal }) {
      $0.error = "the old run's error"
    }
    #expect(outcome == .moved(0))
    #expect(try store.agent(id: "a1") == resumed)
    // Still settled: applied.
    try store.update(id: "a1") { $0.status = .completed }
    #expect(
      try store.commitOutput(id: "a1", from: 0, to: 10, onlyIf: { $0.status.isTerminal }) {
        $0.result = "tail"
      }
        == .applied)
    #expect(try store.agent(id: "a1")?.result == "tail")
  }
}
