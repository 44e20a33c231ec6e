import Foundation
import StateStore
import TestSupport
import Testing

@testable import MultiAgent

/// The one read a reconcile pass starts from: the agents that should have a live process, then
/// those waiting for input with a worktree — each group in creation order, dismissed ones too, and
/// nothing else — on every engine.
@Suite struct ReconcileCandidatesStoreTests {
  @Test(arguments: TestEngine.available)
  func liveAgentsThenWaitingOnesWithAWorktreeInCreationOrder(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)  // kept: its end drops the database
    let store = try under.open()
    func make(_ id: String, _ status: AgentStatus, worktree: Bool = false, dismissed: Bool = false) throws {
      var record = AgentRecord(id: id, name: "agent-\(id)", provider: "claude", status: status)
      if worktree { record.worktreePath = "/tmp/worktrees/\(id)" }
      if dismissed { record.dismissedAt = Date() }
      try store.create(record)
    }
    try make("w1", .waitingForInput, worktree: true)
    try make("r1", .running)
    try make("w2", .waitingForInput)
    try make("c1", .completed, worktree: true)
    try make("s1", .starting, dismissed: true)
    try make("q1", .queued)
    try make("a1", .waitingForAccount)
    try make("w3", .waitingForInput, worktree: true, dismissed: true)
    try make("f1", .failed)
    let candidates = try store.reconcileCandidates().map(\.id)
    #expect(candidates == ["r1", "s1", "a1", "w1", "w3"])
  }
}
