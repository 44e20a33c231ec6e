import Foundation
import JSONKit
import ProcessKit
import ProviderKit
import StateStore
import TestSupport
import Testing

@testable import MultiAgent

/// The supervisor's writes before and between runs — recording itself, the account chosen, the
/// move to `waiting_for_account`, the provider switch — are retried after a store error
/// (``StoreRetry``), so each is idempotent by a natural key: applied a second time (its first
/// reply lost, though it committed), it changes nothing — no second event, the same record — on
/// every engine.
@Suite struct RetriedSupervisorWriteTests {
  /// A store with agent `a1` (claude, `status`) and a home for the supervisor's parts.
  private struct World {
    let under: StoreUnderTest  // kept: its end drops the database
    let store: AgentStore
    let directory: TemporaryDirectory
    let home: StateHome

    init(_ engine: TestEngine, status: AgentStatus) throws {
      under = try StoreUnderTest(engine)
      store = try under.open()
      directory = try TemporaryDirectory(prefix: "retried-supervisor")
      home = StateHome(path: directory.path("home"))
      try store.create(AgentRecord(id: "a1", name: "one", provider: "claude", status: status))
    }

    var record: AgentRecord { get throws { try #require(try store.agent(id: "a1")) } }
    /// The events recorded after the agent was created.
    var events: [StoredEvent] {
      get throws { try store.events(agentID: "a1").filter { $0.type != .created } }
    }

    /// Applies `write` twice, as a retry after a lost reply would: the record after the first,
    /// which the second must leave as it is.
    func appliedTwice(_ write: () throws -> Void) throws -> AgentRecord {
      try write()
      let once = try record
      try write()
      #expect(try record == once)
      return once
    }

    func failover() throws -> AccountFailover {
      AccountFailover(
        home: home, agentID: "a1", store: store,
        provider: try home.providerRegistry().provider(named: "claude"),
        logger: SilentLogger(), startQueued: {})
    }
  }

  /// Recording the supervisor again (same process, same machine) writes nothing.
  @Test(arguments: TestEngine.available)
  func aRetriedSupervisorRecordAppliesOnce(_ engine: TestEngine) throws {
    let world = try World(engine, status: .starting)
    let me = ProcessIdentity(pid: 4242, startTime: 7, spawnID: "s1")
    let supervisor = Supervisor(home: world.home, agentID: "a1", machine: "m1")
    let once = try world.appliedTwice { try supervisor.recordSelf(me, store: world.store) }
    #expect(once.supervisor == me && once.machine == "m1")
    #expect(try world.events.isEmpty)
  }

  /// Applying the same account again is a no-op.
  @Test(arguments: TestEngine.available)
  func aRetriedAccountChoiceAppliesOnce(_ engine: TestEngine) throws {
    let world = try World(engine, status: .starting)
    let failover = try world.failover()
    let once = try world.appliedTwice { try failover.recordAccount("acct-1") }
    #expect(once.account == "acct-1")
    #expect(try world.events.isEmpty)
  }

  /// A retried move to `waiting_for_account` finds the agent waiting: one event, the same record;
  /// and one retried after the agent was stopped leaves it stopped.
  @Test(arguments: TestEngine.available)
  func aRetriedWaitForAccountAppliesOnce(_ engine: TestEngine) throws {
    let world = try World(engine, status: .running)
    let failover = try world.failover()
    let once = try world.appliedTwice { try failover.recordWaiting("all claude accounts are exhausted") }
    #expect(once.status == .waitingForAccount && once.error == "all claude accounts are exhausted")
    let changes = try world.events.filter { $0.type == .statusChanged }
    #expect(changes.map(\.toStatus) == [.waitingForAccount])
    try world.store.transition(id: "a1", .stop)
    try failover.recordWaiting("all claude accounts are exhausted")
    #expect(try world.record.status == .stopped)
  }

  /// A retried provider switch finds the agent on the new provider and leaves it (a session it got
  /// there since is kept), with its `provider_switched` event recorded once, in the move's write;
  /// one from a provider the agent left otherwise is refused.
  @Test(arguments: TestEngine.available)
  func aRetriedProviderSwitchAppliesOnce(_ engine: TestEngine) throws {
    let world = try World(engine, status: .running)
    try world.store.update(id: "a1") {
      $0.sessionID = "old-session"
      $0.account = "acct-1"
      $0.model = "opus"
    }
    let fallback = ProviderFallback(
      home: world.home, agentID: "a1", store: world.store, registry: try world.home.providerRegistry(),
      logger: SilentLogger())
    let switched = fallback.noteSwitch(
      try world.record, from: "claude", to: "codex", reason: "usage limit", note: "continuing on codex")
    #expect(switched.data?["from_session_id"]?.stringValue == "old-session")
    let once = try world.appliedTwice {
      let moved = try fallback.moveRecord(from: "claude", to: "codex", recording: switched)
      #expect(moved)
    }
    #expect(once.provider == "codex" && once.sessionID == nil && once.account == nil && once.model == nil)
    #expect(try world.events.map(\.type) == [.providerSwitched])
    try world.store.update(id: "a1") { $0.sessionID = "new-session" }
    #expect(try fallback.moveRecord(from: "claude", to: "codex", recording: switched))
    #expect(try world.record.sessionID == "new-session")
    #expect(try fallback.moveRecord(from: "claude", to: "gemini", recording: switched) == false)
    #expect(try world.record.provider == "codex")
    #expect(try world.events.map(\.type) == [.providerSwitched])
  }

  /// The launch records the account serving the run in its own write: a retry of it (its first
  /// reply lost) adds neither a second `status_changed` nor a second `account_selected`; the next
  /// run's launch (a new CLI, the agent still running) records its own.
  @Test(arguments: TestEngine.available)
  func aRetriedLaunchRecordsItsAccountOnce(_ engine: TestEngine) throws {
    let world = try World(engine, status: .starting)
    let selected = EventDraft(
      type: .accountSelected, message: "spawn run on claude, account A",
      data: .object(JSONObject(keys: ["account"], values: [.string("acct-1")])))
    let first = ProcessIdentity(pid: 5151, startTime: 9, spawnID: "run-1")
    _ = try world.appliedTwice {
      try world.store.transition(id: "a1", .launch, message: "claude started", alsoRecording: selected) {
        $0.cli = first
      }
    }
    #expect(try world.record.status == .running && world.record.cli == first)
    #expect(try world.events.map(\.type) == [.statusChanged, .accountSelected])
    #expect(try world.events.last?.data?["account"]?.stringValue == "acct-1")
    let second = ProcessIdentity(pid: 6262, startTime: 11, spawnID: "run-2")
    try world.store.transition(id: "a1", .launch, message: "claude started", alsoRecording: selected) {
      $0.cli = second
    }
    #expect(try world.events.map(\.type) == [.statusChanged, .accountSelected, .accountSelected])
  }
}
