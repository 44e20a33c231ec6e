import Credentials
import Foundation
import JSONKit
import ProviderKit
import StateStore
import Synchronization
import TestSupport
import Testing

@testable import MultiAgent

/// One set of store tests, run on every engine (``TestEngine/available``): what the stores promise
/// holds the same on SQLite and on PostgreSQL.
@Suite struct StoreConformanceTests {
  @Test(arguments: TestEngine.available)
  func aRecordReadsBackAsStored(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)
    let store = try under.open()
    var record = AgentRecord(id: "a1", name: "First", provider: "claude", status: .running)
    record.extraArguments = ["--model", "x y"]
    record.fallback = ["codex"]
    record.pendingQuestions = [PendingQuestion(id: "q1", question: "Which? 'quoted' ?", options: ["a", "b"])]
    record.parseOffset = 1 << 40
    record.createdWorktree = true
    record.result = "ünïcødé ✓ and a ? mark"
    record.createdAt = Date(timeIntervalSince1970: 1_733_184_000.123_456_7)
    let stored = try store.create(record, tokenHash: "abc123")
    #expect(try store.agent(id: "a1") == stored)
    #expect(try under.open().agent(named: "FIRST") == stored)
    #expect(try store.tokenHash(id: "a1") == "abc123")
    #expect(try store.list() == [stored])
    #expect(try store.count(AgentStore.Filter(statuses: [.running, .failed])) == 1)
    #expect(try store.count(AgentStore.Filter(statuses: [.failed])) == 0)
  }

  /// What a supervisor asks as its agent's turn ends: a child that reports to it and has not
  /// settled (dismissed or not) keeps it waiting; one that does not report, or has settled, does not.
  @Test(arguments: TestEngine.available)
  func reportingChildrenAreFoundByStatus(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)  // kept: its end drops the database
    let store = try under.open()
    try store.create(AgentRecord(id: "p", name: "parent", provider: "claude", status: .running))
    let settled = ChildReport.reported
    #expect(try !store.hasReportingChild(of: "p", notIn: settled))
    var quiet = AgentRecord(id: "c1", name: "quiet", provider: "claude", parentID: "p", status: .running)
    quiet.reportsToParent = false
    try store.create(quiet)
    var done = AgentRecord(id: "c2", name: "done", provider: "claude", parentID: "p", status: .completed)
    done.reportsToParent = true
    try store.create(done)
    #expect(try !store.hasReportingChild(of: "p", notIn: settled))
    var busy = AgentRecord(id: "c3", name: "busy", provider: "claude", parentID: "p", status: .running)
    busy.reportsToParent = true
    busy.dismissedAt = Date()
    try store.create(busy)
    #expect(try store.hasReportingChild(of: "p", notIn: settled))
    #expect(try !store.hasReportingChild(of: "c3", notIn: settled))
    try store.transition(id: "c3", .stop)
    #expect(try !store.hasReportingChild(of: "p", notIn: settled))
  }

  @Test(arguments: TestEngine.available)
  func namesAreUniqueIgnoringCase(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)  // kept: its end drops the database
    let store = try under.open()
    try store.create(AgentRecord(id: "a1", name: "alpha", provider: "claude"))
    #expect {
      try store.create(AgentRecord(id: "a2", name: "ALPHA", provider: "claude"))
    } throws: { ($0 as? StoreError)?.code == .nameTaken }
    #expect {
      try store.create(AgentRecord(id: "a1", name: "beta", provider: "claude"))
    } throws: { ($0 as? StoreError)?.code == .idTaken }
    // What the name generator asks: the same check, without reading the agent.
    #expect(try store.nameIsTaken("Alpha") && !store.nameIsTaken("beta"))
  }

  @Test(arguments: TestEngine.available)
  func listJSONMatchesTheRecordsInCreationOrder(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)  // kept: its end drops the database
    let store = try under.open()
    let time = Date(timeIntervalSince1970: 1_700_000_000)
    for index in 0..<5 {
      var record = AgentRecord(id: "a\(index)", name: "agent-\(index)", provider: "codex")
      record.createdAt = time  // the same instant: insertion order decides
      record.pendingQuestions = index == 2 ? [PendingQuestion(id: "q", question: "?", options: [])] : []
      try store.create(record)
    }
    let records = try store.list()
    #expect(records.map(\.id) == ["a0", "a1", "a2", "a3", "a4"])
    var streamed: [UInt8] = []
    try store.writeListJSON(chunkSize: 256) { streamed.append(contentsOf: $0) }
    #expect(streamed == (try store.listJSON()))
    var output = JSONOutput()
    output.beginArray()
    for record in records { record.writeJSON(to: &output) }
    output.endArray()
    #expect(String(decoding: streamed, as: UTF8.self) == String(decoding: output.bytes, as: UTF8.self))
  }

  @Test(arguments: TestEngine.available)
  func statusChangesAreEventsInOrder(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)  // kept: its end drops the database
    let store = try under.open()
    try store.create(AgentRecord(id: "a1", name: "one", provider: "claude", status: .starting))
    try store.transition(id: "a1", from: [.starting], to: .running)
    try store.appendEvent(
      agentID: "a1", type: "note", message: "hello",
      data: .object(JSONObject(keys: ["k"], values: [.string("v")])))
    try store.transition(id: "a1", from: [.running], to: .completed) { $0.result = "done" }
    let events = try store.events(agentID: "a1")
    #expect(events.map(\.type.rawValue) == ["created", "status_changed", "note", "status_changed"])
    #expect(events.map(\.toStatus) == [.starting, .running, nil, .completed])
    #expect(events[2].data == .object(JSONObject(keys: ["k"], values: [.string("v")])))
    #expect(events.map(\.id) == events.map(\.id).sorted())
    #expect(try store.lastEventID() == events.last?.id)
    #expect(try store.events(afterID: events[1].id, limit: 1).map(\.id) == [events[2].id])
    #expect(try store.agent(id: "a1")?.finishedAt != nil)
    #expect(try store.delete(id: "a1"))
    #expect(try store.events(agentID: "a1").isEmpty)
  }

  /// Two connections (two controllers) race to settle one agent: exactly one wins.
  @Test(arguments: TestEngine.available)
  func racingCompareAndSetHasOneWinner(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)
    let setup = try under.open()
    for round in 0..<10 {
      try setup.create(
        AgentRecord(id: "r\(round)", name: "race-\(round)", provider: "claude", status: .running))
    }
    let first = try under.open()
    let second = try under.open()
    let wins = Mutex<[String: [AgentStatus]]>([:])
    let errors = StoreConcurrencyTests.onThreads(2) { thread in
      let store = thread == 0 ? first : second
      let target: AgentStatus = thread == 0 ? .completed : .failed
      for round in 0..<10 {
        let outcome = try store.transition(id: "r\(round)", from: [.running], to: target)
        if outcome.applied { wins.withLock { $0["r\(round)", default: []].append(target) } }
      }
    }
    #expect(errors.isEmpty, "\(errors)")
    for round in 0..<10 {
      let winners = wins.withLock { $0["r\(round)"] ?? [] }
      #expect(winners.count == 1, "round \(round): \(winners)")
      #expect(try setup.agent(id: "r\(round)")?.status == winners.first)
      #expect(try setup.events(agentID: "r\(round)").filter { $0.type == .statusChanged }.count == 1)
    }
  }

  /// Read-modify-write from several connections loses no update.
  @Test(arguments: TestEngine.available)
  func concurrentUpdatesLoseNothing(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)
    let setup = try under.open()
    try setup.create(AgentRecord(id: "counter", name: "counter", provider: "codex"))
    let stores = try (0..<4).map { _ in try under.open() }
    let errors = StoreConcurrencyTests.onThreads(stores.count) { thread in
      for _ in 0..<25 { try stores[thread].update(id: "counter") { $0.parseOffset += 1 } }
    }
    #expect(errors.isEmpty, "\(errors)")
    #expect(try setup.agent(id: "counter")?.parseOffset == 100)
  }

  /// An event ingested from a host is stored once per (host, agent, host sequence), however often
  /// and by however many stores it is written.
  @Test(arguments: TestEngine.available)
  func hostEventsAreStoredOncePerSequence(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)
    let schemas = AgentStore.schemas + [RemoteEventStore.schema]
    let store = RemoteEventStore(database: try under.openDatabase(schemas))
    let event = StoredEvent(id: 7, agentID: "r1", time: Date(), type: "output", message: "line 7")
    #expect(try store.insert([event], host: "h1", remoteID: "r1", agent: "remote") == 1)
    let again = RemoteEventStore(database: try under.openDatabase(schemas))
    #expect(try again.insert([event], host: "H1", remoteID: "r1", agent: "remote") == 0)
    #expect(try store.insert([event], host: "h2", remoteID: "r1", agent: "elsewhere") == 1)
    #expect(try store.events(agent: "remote").map(\.event.id) == [7])
    #expect(try store.lastSequence(host: "h1", remoteID: "r1") == 7)
    #expect(try store.lastSequence(host: "h1", remoteID: "missing") == 0)
  }

  @Test(arguments: TestEngine.available)
  func accountsKeepSecretsLabelsAndQuota(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)
    _ = try under.open()  // both components, as the CLI opens them
    let accounts = try under.openAccounts()
    let work = try accounts.add(provider: "claude", label: "Work", secret: .apiKey("sk-test"))
    #expect(try accounts.account(provider: "claude", label: "work")?.id == work.id)
    #expect(throws: StoreError.self) {
      try accounts.add(provider: "claude", label: "WORK", secret: .credentialsFile)
    }
    #expect(try accounts.secret(id: work.id) == .apiKey("sk-test"))
    try accounts.appendEvent(accountID: work.id, type: "note", message: "m")
    #expect(try accounts.events(accountID: work.id, limit: 1).map(\.type) == ["note"])
    let reading = QuotaReading(windows: [.init(name: "five_hour", utilization: 0.25)])
    try accounts.recordQuota(accountID: work.id, reading)
    #expect(try accounts.quota(accountID: work.id).map(\.window.utilization) == [0.25])
    #expect(try accounts.remove(id: work.id))
    #expect(try accounts.list().isEmpty)
  }

  /// A login (credential file) is lent to one host at a time, a key to many; names of hosts ignore case.
  @Test(arguments: TestEngine.available)
  func leasesLendALoginToOneHostAndAKeyToMany(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)
    let accounts = try under.openAccounts()
    let login = try accounts.add(provider: "claude", label: "login", secret: .credentialsFile)
    let key = try accounts.add(provider: "claude", label: "key", secret: .apiKey("sk-test"))
    try accounts.lease(accountID: login.id, host: "h1")
    #expect(throws: StoreError.self) { try under.openAccounts().lease(accountID: login.id, host: "h2") }
    #expect(try accounts.lease(accountID: login.id, host: "H1").host.lowercased() == "h1")
    try accounts.lease(accountID: key.id, host: "h1")
    try accounts.lease(accountID: key.id, host: "h2")
    #expect(try accounts.leases(accountID: key.id).count == 2)
    #expect(try accounts.release(accountID: login.id, host: "h1"))
    try accounts.lease(accountID: login.id, host: "h2")
    #expect(try accounts.leases(host: "h2").count == 2)
  }

  @Test(arguments: TestEngine.available)
  func hostsAndRemoteAgentsRoundTrip(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)
    let database = try under.openDatabase(AgentStore.schemas + [HostStore.schema, RemoteAgentStore.schema])
    let hosts = HostStore(database: database)
    let host = RemoteHost(
      name: "h1", user: "ma-h1", address: "10.77.1.2", port: 22, identityFile: nil,
      createdAt: Date(timeIntervalSince1970: 1_700_000_000))
    try hosts.add(host)
    #expect(throws: StoreError.self) { try hosts.add(host) }
    #expect(try hosts.host(named: "H1")?.user == "ma-h1")
    #expect(try hosts.list().map(\.name) == ["h1"])
    #expect(try hosts.remove(named: "h1"))
  }

  /// Opening the same fresh store from many connections at once migrates it exactly once.
  @Test(arguments: TestEngine.available)
  func aFreshStoreSurvivesItsFirstOpenRace(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)
    let errors = StoreConcurrencyTests.onThreads(4) { index in
      let store = try under.open()
      try store.create(AgentRecord(id: "a\(index)", name: "agent-\(index)", provider: "claude"))
    }
    #expect(errors.isEmpty, "\(errors)")
    #expect(try under.open().count() == 4)
    let database = try under.openDatabase(AgentStore.schemas)
    #expect(try database.schemaVersion(of: AgentStore.schema) == AgentStore.schemaVersion)
  }

  /// On PostgreSQL a stored event wakes a follower at once (NOTIFY on commit); SQLite has no such
  /// signal, and followers poll it as before.
  @Test(arguments: TestEngine.available)
  func aStoredEventWakesAFollowerWhereTheStoreCanSignal(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)
    let store = try under.open()
    try store.create(AgentRecord(id: "a1", name: "one", provider: "claude"))
    guard engine == .postgres else {
      #expect(store.eventSignal() == nil)
      return
    }
    let signal = try #require(store.eventSignal())
    #expect(!signal.wait(timeout: .milliseconds(100)), "nothing was stored since it began listening")
    let writer = try under.open()
    DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) {
      _ = try? writer.appendEvent(agentID: "a1", type: "note")
    }
    let clock = ContinuousClock()
    let started = clock.now
    #expect(signal.wait(timeout: .seconds(10)))
    #expect(clock.now - started < .seconds(3))
    #expect(!signal.wait(timeout: .milliseconds(100)), "one event, one wake-up")
  }
}
