import Credentials
import Foundation
import ProviderKit
import StateStore
import TestSupport
import Testing

@testable import MultiAgent

/// What continues a session after a usage limit: the next run's plan, and the account parked once.
@Suite struct ContinuationTests {
  @Test func aSessionContinuesAsAResumeThatRepeatsTheInterruptedRequest() {
    let first = RunPlan(kind: .spawn, prompt: "Fix the flaky test", sessionID: nil, isFirstTurn: true)
    let next = first.continuation(sessionID: "s-1")
    #expect(next.kind == .resume && next.sessionID == "s-1")
    #expect(next.prompt.contains("usage limit") && next.prompt.hasSuffix("Fix the flaky test"))
    #expect(next.underlyingRequest == "Fix the flaky test" && next.firstTurn)
  }

  @Test func aSecondLimitWrapsTheRequestOnceNotTwice() {
    let answer = RunPlan(kind: .resume, prompt: "q1: yes", sessionID: "s-1")
    let twice = answer.continuation(sessionID: "s-1").continuation(sessionID: "s-1")
    #expect(twice.underlyingRequest == "q1: yes" && !twice.firstTurn)
    #expect(twice.prompt.components(separatedBy: "usage limit").count == 2)
  }

  @Test func withoutASessionTheRequestStartsAfresh() {
    let first = RunPlan(kind: .spawn, prompt: "Write docs", sessionID: nil, isFirstTurn: true)
    let next = first.continuation(sessionID: nil)
    #expect(next.kind == .spawn && next.prompt == "Write docs" && next.sessionID == nil)
  }

  /// One limit, seen as it appears and again when the run is continued, parks the account once.
  @Test func oneLimitParksTheAccountOnceWithOneEvent() throws {
    let world = try FailoverWorld()
    let reset = Date().addingTimeInterval(1800)
    let exhaustion = CLIRun.Exhaustion(resetAt: reset, message: "You've hit your limit")
    let first = world.failover.park(world.accountID, after: exhaustion)
    let second = world.failover.park(world.accountID, after: exhaustion)
    #expect(first == second && first.map { abs($0.timeIntervalSince(reset)) < 1 } == true)
    let events = try world.accounts.events(accountID: world.accountID).filter { $0.type == "exhausted" }
    #expect(events.count == 1)
  }

  @Test func theContinuationParksTheAccountAndWritesTheNextPlan() throws {
    let world = try FailoverWorld()
    var record = try #require(try world.store.agent(id: "a1"))
    record.sessionID = "s-9"
    let plan = RunPlan(kind: .spawn, prompt: "Task", sessionID: nil, isFirstTurn: true)
    let next = try world.failover.continuation(
      after: CLIRun.Exhaustion(resetAt: nil, message: "limit"), record, plan)
    #expect(next?.kind == .resume && next?.sessionID == "s-9")
    #expect(try RunPlan.read(from: world.paths.runPlan) == next)
    let account = try #require(try world.accounts.account(id: world.accountID))
    #expect(account.status == .exhausted && account.exhaustedUntil.map { $0 > Date() } == true)
    #expect(try world.store.events(agentID: "a1").contains { $0.type == "account_exhausted" })
  }

  @Test func anAgentThatFinishedItsTurnBeforeTheLimitSettlesInstead() throws {
    let world = try FailoverWorld()
    let record = try #require(try world.store.agent(id: "a1"))
    try Data(#"{"status":"done","result":"ok"}"#.utf8).write(to: URL(fileURLWithPath: world.paths.signalFile))
    let plan = RunPlan(kind: .spawn, prompt: "Task", sessionID: nil, isFirstTurn: true)
    #expect(
      try world.failover.continuation(after: .init(resetAt: nil, message: "limit"), record, plan) == nil)
  }
}

/// A home with one agent on one claude account, and its failover — no process is started.
struct FailoverWorld {
  let directory: TemporaryDirectory
  let store: AgentStore
  let accounts: AccountStore
  let failover: AccountFailover
  let accountID: String
  let paths: AgentPaths

  init() throws {
    directory = try TemporaryDirectory(prefix: "failover")
    let home = StateHome(path: directory.path("home"))
    try home.create()
    store = try AgentStore(home: home)
    accounts = AccountStore(database: store.database, accountsDirectory: home.accountsDirectory)
    accountID = try accounts.add(provider: "claude", label: "work", secret: .apiKey("k")).id
    try store.create(
      AgentRecord(id: "a1", name: "a", provider: "claude", account: accountID, status: .running))
    paths = AgentPaths(home: home, id: "a1")
    try FileManager.default.createDirectory(atPath: paths.directory, withIntermediateDirectories: true)
    let provider = try home.providerRegistry().provider(named: "claude")
    failover = AccountFailover(
      home: home, agentID: "a1", store: store, provider: provider, logger: SilentLogger(), startQueued: {})
  }
}
