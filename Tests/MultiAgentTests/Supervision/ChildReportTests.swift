import Foundation
import JSONKit
import ProviderKit
import StateStore
import Synchronization
import TestSupport
import Testing

@testable import MultiAgent

/// A child's report to its parent is made once per settlement — however many times it is tried,
/// by the child's supervisor, a reconcile or the parent's catch-up — and a settlement nobody
/// reported is found by the parent's catch-up, on every engine.
@Suite struct ChildReportTests {
  struct World {
    let under: StoreUnderTest
    let store: AgentStore
    let folder: TemporaryDirectory
    let report: ChildReport

    init(_ engine: TestEngine) throws {
      under = try StoreUnderTest(engine)
      store = try under.open()
      folder = try TemporaryDirectory(prefix: "child-report")
      report = ChildReport(home: StateHome(path: folder.url.path), store: store, logger: SilentLogger())
      try store.create(AgentRecord(id: "p1", name: "lead", provider: "claude", status: .running))
      var child = AgentRecord(id: "c1", name: "kid", provider: "claude", status: .running)
      child.parentID = "p1"
      child.reportsToParent = true
      try store.create(child)
    }

    /// The parent's inbox messages, oldest first.
    var inbox: [String] { AgentInbox(paths: AgentPaths(home: report.home, id: "p1")).pending().map(\.text) }

    /// The parent's `child_reported` events.
    func reports() throws -> [StoredEvent] {
      try store.events(agentID: "p1").filter { $0.type == "child_reported" }
    }

    func settle(_ status: AgentStatus, result: String) throws {
      try store.transition(id: "c1", from: [.running], to: status) { $0.result = result }
    }
  }

  @Test(arguments: TestEngine.available)
  func aSettlementIsReportedOnceHoweverOftenItIsTried(_ engine: TestEngine) throws {
    let world = try World(engine)
    try world.store.transition(id: "c1", from: [.running], to: .waitingForInput) {
      $0.pendingQuestions = [PendingQuestion(id: "q1", question: "Which way?", options: [])]
    }
    world.report.childSettled("c1")
    world.report.childSettled("c1", retrying: true)
    #expect(world.report.reportUnreported(childrenOf: "p1"))
    #expect(world.inbox.count == 1)
    #expect(world.inbox.first?.hasPrefix("[multiagent] child kid is waiting for input") == true)
    #expect(world.inbox.first?.contains("- q1: Which way?") == true)
    let reports = try world.reports()
    #expect(reports.count == 1)
    #expect(reports.first?.data?["child_id"]?.stringValue == "c1")
    #expect(reports.first?.data?["status"]?.stringValue == "waiting_for_input")

    // Answered and settled again: a new settlement, a new report.
    try world.store.transition(id: "c1", from: [.waitingForInput], to: .starting)
    try world.store.transition(id: "c1", from: [.starting], to: .running)
    try world.settle(.completed, result: "went left")
    world.report.childSettled("c1")
    world.report.childSettled("c1")
    #expect(world.report.reportUnreported(childrenOf: "p1"))
    #expect(try world.reports().count == 2)
    #expect(world.inbox.last == "[multiagent] child kid completed: went left")
    #expect(world.inbox.count == 2)
  }

  @Test(arguments: TestEngine.available)
  func aSettlementNobodyReportedIsFoundByTheParentsCatchUp(_ engine: TestEngine) throws {
    let world = try World(engine)
    // Settled, and its supervisor killed before it reported (nothing called here).
    try world.settle(.completed, result: "done while nobody listened")
    #expect(world.inbox.isEmpty)
    #expect(world.report.reportUnreported(childrenOf: "p1"))
    #expect(world.inbox == ["[multiagent] child kid completed: done while nobody listened"])
    #expect(try world.reports().count == 1)
    // The message delivered (taken out of the inbox), a second catch-up makes no second report.
    let inbox = AgentInbox(paths: AgentPaths(home: world.report.home, id: "p1"))
    inbox.remove(inbox.pending())
    #expect(world.report.reportUnreported(childrenOf: "p1"))
    #expect(world.inbox.isEmpty)
    #expect(try world.reports().count == 1)
  }

  @Test(arguments: TestEngine.available)
  func aReportFromBeforeReportsWereKeyedCountsForTheSettlementBeforeIt(_ engine: TestEngine) throws {
    let world = try World(engine)
    try world.settle(.completed, result: "old")
    let data = JSONObject(keys: ["child", "status"], values: [.string("kid"), .string("completed")])
    try world.store.appendEvent(agentID: "p1", type: "child_reported", message: "old", data: .object(data))
    #expect(world.report.reportUnreported(childrenOf: "p1"))
    #expect(world.inbox.isEmpty, "not reported a second time after an upgrade")

    // Given more work and completed again, after that old report: a settlement of its own.
    try world.store.transition(id: "c1", from: [.completed], to: .starting)
    try world.store.transition(id: "c1", from: [.starting], to: .running)
    try world.settle(.completed, result: "new")
    #expect(world.report.reportUnreported(childrenOf: "p1"))
    #expect(world.inbox == ["[multiagent] child kid completed: new"])
  }

  /// Reporters racing (the child's supervisor, a reconcile, the parent's catch-up) while the
  /// parent takes each message as it arrives: the settlement reaches it once.
  @Test(arguments: TestEngine.available)
  func reportersRacingDeliverOneReport(_ engine: TestEngine) throws {
    let world = try World(engine)
    try world.settle(.completed, result: "raced")
    let inbox = AgentInbox(paths: AgentPaths(home: world.report.home, id: "p1"))
    let delivered = Mutex<[String]>([])
    let reporters = Mutex(8)
    let stores = try (0..<8).map { _ in try world.under.open() }
    for store in stores {
      Thread.detachNewThread {
        let reporter = ChildReport(home: world.report.home, store: store, logger: SilentLogger())
        for _ in 0..<25 { reporter.childSettled("c1") }
        reporters.withLock { $0 -= 1 }
      }
    }
    // The parent, taking messages out of its inbox as a live one delivers them.
    while reporters.withLock({ $0 }) > 0 || !inbox.pending().isEmpty {
      let messages = inbox.pending()
      inbox.remove(messages)
      delivered.withLock { $0 += messages.map(\.text) }
    }
    #expect(delivered.withLock { $0 } == ["[multiagent] child kid completed: raced"])
    #expect(try world.reports().count == 1)
  }
}
