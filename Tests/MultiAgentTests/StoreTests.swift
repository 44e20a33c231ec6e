@testable import StateStore
import Foundation
import JSONKit
import ProcessKit
import ProviderKit
import StateStore
import TestSupport
import Testing

@testable import MultiAgent

/// The agent store: every field round-trips, names are unique, status changes are compare-and-set
/// and logged, events follow, the schema migrates, files are private, bad files are clear errors.
@Suite struct StoreTests {
  let directory: TemporaryDirectory
  let path: String
  init() throws {
    directory = try TemporaryDirectory(prefix: "store")
    path = directory.path("state.db")
  }

  /// A record with every field set to a distinctive value.
  static func fullRecord(id: String = "a1", name: String = "fix-the-test", parentID: String? = nil)
    -> AgentRecord
  {
    AgentRecord(
      id: id, name: name, provider: "codex", account: "work", model: "gpt-5", taskID: "TASK-7",
      parentID: parentID, status: .waitingForInput, sessionID: "sess-123",
      promptSummary: "Fix the flaky test",
      cwd: "/home/u/repo", worktreePath: "/home/u/.multiagent/worktrees/fix", branch: "multiagent/fix",
      baseRef: "main", createdWorktree: true, createdBranch: true,
      extraArguments: ["--flag", "", "ünï \"q\""],
      supervisor: .init(pid: 4242, startTime: 987_654_321, spawnID: "sup-1"),
      cli: .init(pid: 4243, startTime: 987_654_400, spawnID: "cli-1"), exitCode: 3, exitSignal: 15,
      parseOffset: 123_456_789_012,
      pendingQuestions: [
        PendingQuestion(
          id: "q1", question: "Which DB?", options: ["PostgreSQL", "SQLite"], header: "Storage"),
        PendingQuestion(id: "q2", question: "Ship?\nReally?"),
      ],
      result: "done\u{0}with nul", error: "", createdAt: Date(timeIntervalSince1970: 1_700_000_000.25),
      updatedAt: Date(timeIntervalSince1970: 1_700_000_001.5),
      startedAt: Date(timeIntervalSince1970: 1_700_000_000.75),
      finishedAt: Date(timeIntervalSince1970: 1_700_000_002),
      dismissedAt: Date(timeIntervalSince1970: 1_700_000_003))
  }

  @Test func everyFieldRoundTrips() throws {
    let store = try AgentStore(path: path)
    let parent = try store.create(AgentRecord(id: "p0", name: "parent", provider: "claude"))
    let record = Self.fullRecord(parentID: parent.id)
    let created = try store.create(record)
    #expect(created == record)
    #expect(try store.agent(id: "a1") == record)
    #expect(try store.agent(named: "FIX-the-test") == record)
    #expect(try store.agent(idOrName: "fix-the-test") == record)
    #expect(try store.agent(id: "nope") == nil)

    // A second connection reads the same.
    #expect(try AgentStore(path: path).agent(id: "a1") == record)

    // Start times are unsigned; the database keeps all 64 bits.
    let huge = ProcessIdentity(pid: 1, startTime: UInt64.max - 5, spawnID: "")
    try store.update(id: "a1") { $0.cli = huge }
    #expect(try store.agent(id: "a1")?.cli == huge)

    // A minimal record: every optional stays nil, every list empty.
    let minimal = try store.create(AgentRecord(name: "minimal", provider: "gemini"))
    let readBack = try #require(try store.agent(id: minimal.id))
    #expect(readBack == minimal)
    #expect(readBack.account == nil && readBack.supervisor == nil && readBack.pendingQuestions.isEmpty)
    #expect(readBack.extraArguments.isEmpty && readBack.status == .starting)
    #expect(minimal.id.count == 16)
  }

  @Test func jsonUsesSnakeCaseKeysAndISOTimes() throws {
    let record = Self.fullRecord()
    let data = try JSONEncoder().encode(record)
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(object["created_at"] as? String == "2023-11-14T22:13:20.250Z")
    #expect(object["status"] as? String == "waiting_for_input")
    #expect(object["worktree_path"] as? String == record.worktreePath)
    #expect((object["supervisor"] as? [String: Any])?["spawn_id"] as? String == "sup-1")
    #expect((object["pending_questions"] as? [Any])?.count == 2)
    #expect(try JSONDecoder().decode(AgentRecord.self, from: data) == record)

    // Absent values are present as null, so scripts see every key.
    let minimal = try JSONEncoder().encode(AgentRecord(id: "m", name: "m", provider: "p"))
    let keys = try #require(try JSONSerialization.jsonObject(with: minimal) as? [String: Any]).keys
    #expect(Set(keys) == Set(object.keys))
    #expect(keys.contains("dismissed_at") && keys.contains("session_id"))

    let statuses = AgentStatus.allCases.map(\.rawValue)
    #expect(
      statuses == [
        "queued", "starting", "running", "waiting_for_input", "waiting_for_account", "completed", "failed",
        "stopped", "crashed",
      ])
    #expect(AgentStatus.allCases.filter(\.isTerminal) == [.completed, .failed, .stopped, .crashed])
  }

  @Test func jsonValueMatchesCodable() throws {
    func viaEncoder(_ value: some Encodable) throws -> NSDictionary {
      try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as? NSDictionary)
    }
    func viaWriter(_ value: JSONValue) throws -> NSDictionary {
      try #require(
        try JSONSerialization.jsonObject(with: Data(JSONWriter.string(value).utf8)) as? NSDictionary)
    }
    for record in [Self.fullRecord(), AgentRecord(id: "m", name: "m", provider: "p")] {
      #expect(try viaWriter(record.jsonValue) == viaEncoder(record))
      let keys = try #require(record.jsonValue.objectValue?.keys)
      #expect(keys == keys.sorted())
    }
    let event = StoredEvent(
      id: 7, agentID: "a", time: Date(timeIntervalSince1970: 1_700_000_000.5), type: .statusChanged,
      fromStatus: .running, toStatus: .completed, message: "m", data: .array([.number(1), .string("x")]))
    for value in [
      event, StoredEvent(id: 8, agentID: "b", time: Date(timeIntervalSince1970: 0), type: "note"),
    ] {
      #expect(try viaWriter(value.jsonValue) == viaEncoder(value))
    }
  }

  @Test func duplicateNamesAreRefused() throws {
    let store = try AgentStore(path: path)
    try store.create(AgentRecord(id: "x1", name: "worker", provider: "codex"))
    for name in ["worker", "WORKER"] {
      let error = #expect(throws: StoreError.self) {
        try store.create(AgentRecord(id: "x2-\(name)", name: name, provider: "claude"))
      }
      #expect(error?.code == .nameTaken)
      #expect(error?.description.contains(path) == true)
    }
    let idError = #expect(throws: StoreError.self) {
      try store.create(AgentRecord(id: "x1", name: "other", provider: "codex"))
    }
    #expect(idError?.code == .idTaken)
    let orphan = #expect(throws: StoreError.self) {
      try store.create(AgentRecord(name: "orphan", provider: "codex", parentID: "missing"))
    }
    #expect(orphan?.code == .notFound)

    // Renaming into a taken name is refused too, and changes nothing.
    try store.create(AgentRecord(id: "y1", name: "second", provider: "codex"))
    let rename = #expect(throws: StoreError.self) { try store.update(id: "y1") { $0.name = "Worker" } }
    #expect(rename?.code == .nameTaken)
    #expect(try store.agent(id: "y1")?.name == "second")
    #expect(try store.count(.all) == 2)
  }

  @Test func updateWritesOnceAndKeepsTheID() throws {
    let store = try AgentStore(path: path)
    let created = try store.create(AgentRecord(id: "u1", name: "u", provider: "codex", status: .running))
    let updated = try store.update(id: "u1") {
      $0.sessionID = "s-1"
      $0.parseOffset += 10
    }
    #expect(updated.sessionID == "s-1" && updated.parseOffset == 10)
    #expect(updated.updatedAt >= created.updatedAt)
    #expect(try store.agent(id: "u1") == updated)

    // An unchanged record is not rewritten.
    let same = try store.update(id: "u1") { _ in }
    #expect(same.updatedAt == updated.updatedAt)

    let idChange = #expect(throws: StoreError.self) { try store.update(id: "u1") { $0.id = "other" } }
    #expect(idChange?.code == .invalidValue)
    let missing = #expect(throws: StoreError.self) { try store.update(id: "none") { $0.model = "m" } }
    #expect(missing?.code == .notFound)

    // An error thrown by the body is rethrown as is, and nothing is written.
    struct Refusal: Error {}
    #expect(throws: Refusal.self) {
      try store.update(id: "u1") {
        $0.result = "half-written"
        throw Refusal()
      }
    }
    #expect(try store.agent(id: "u1")?.result == nil)
  }

  @Test func transitionsAreCompareAndSetAndLogged() throws {
    let store = try AgentStore(path: path)
    try store.create(AgentRecord(id: "t1", name: "t", provider: "codex", status: .starting))

    let wrong = try store.transition(id: "t1", from: [.running], to: .completed)
    #expect(!wrong.applied && wrong.record.status == .starting && wrong.event == nil)

    let running = try store.transition(id: "t1", from: [.starting], to: .running, message: "CLI started")
    #expect(running.applied && running.record.status == .running)
    #expect(running.record.startedAt != nil && running.record.finishedAt == nil)

    let done = try store.transition(
      id: "t1", from: [.running], to: .completed, message: "finished",
      data: .object(JSONObject(keys: ["n"], values: [.number(2)]))
    ) { $0.result = "All green." }
    #expect(done.applied && done.record.result == "All green." && done.record.finishedAt != nil)
    #expect(try store.agent(id: "t1") == done.record)

    let events = try store.events(agentID: "t1")
    #expect(events.map(\.type) == [.created, .statusChanged, .statusChanged])
    #expect(events.map(\.toStatus) == [.starting, .running, .completed])
    #expect(events.map(\.fromStatus) == [nil, .starting, .running])
    #expect(events[2].message == "finished" && events[2].data?["n"]?.intValue == 2)
    #expect(events[2] == done.event)

    // A status change through update goes through the same status machine, and is logged too.
    #expect(throws: StoreError.self) { try store.update(id: "t1") { $0.status = .stopped } }
    #expect(try store.agent(id: "t1")?.status == .completed)
    try store.create(AgentRecord(id: "t2", name: "t2", provider: "codex", status: .running))
    try store.update(id: "t2") { $0.status = .stopped }
    #expect(try store.events(agentID: "t2").last?.toStatus == .stopped)
  }

  @Test func eventsFollowAndDeleteRemovesThem() throws {
    let store = try AgentStore(path: path)
    try store.create(AgentRecord(id: "e1", name: "one", provider: "codex"))
    try store.create(AgentRecord(id: "e2", name: "two", provider: "claude", parentID: "e1"))
    let mark = try store.lastEventID()
    let first = try store.appendEvent(agentID: "e1", type: "session_started", message: "s-1")
    let second = try store.appendEvent(agentID: "e2", type: "account_rotated", data: .string("work→home"))
    #expect(first.id > mark && second.id > first.id)
    #expect(try store.events(afterID: mark) == [first, second])
    #expect(try store.events(afterID: mark, limit: 1) == [first])
    #expect(try store.events(agentID: "e2", afterID: first.id) == [second])
    let missing = #expect(throws: StoreError.self) { try store.appendEvent(agentID: "none", type: "x") }
    #expect(missing?.code == .notFound)

    let json = try JSONEncoder().encode(second)
    let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
    #expect(object["agent_id"] as? String == "e2" && object["type"] as? String == "account_rotated")
    // JSON carries times to the millisecond: the rest of the event comes back exactly.
    var decoded = try JSONDecoder().decode(StoredEvent.self, from: json)
    #expect(abs(decoded.time.timeIntervalSince1970 - second.time.timeIntervalSince1970) <= 0.0005)
    decoded.time = second.time
    #expect(decoded == second)

    #expect(try store.delete(id: "e1"))
    #expect(try !store.delete(id: "e1"))
    #expect(try store.agent(id: "e1") == nil)
    #expect(try store.events(agentID: "e1").isEmpty)
    #expect(try store.agent(id: "e2")?.parentID == nil)
    // Ids are never reused, so a follower never misses or repeats an event.
    let third = try store.appendEvent(agentID: "e2", type: "note")
    #expect(third.id > second.id)
  }

  @Test func listFiltersAndOrders() throws {
    let store = try AgentStore(path: path)
    let base = 1_700_000_000.0
    try store.create(
      AgentRecord(
        id: "c", name: "c", provider: "codex", status: .running,
        createdAt: Date(timeIntervalSince1970: base + 2)))
    try store.create(
      AgentRecord(
        id: "a", name: "a", provider: "claude", status: .completed,
        createdAt: Date(timeIntervalSince1970: base)))
    try store.create(
      AgentRecord(
        id: "b", name: "b", provider: "codex", parentID: "a", status: .queued,
        createdAt: Date(timeIntervalSince1970: base + 1)))
    try store.create(
      AgentRecord(
        id: "d", name: "d", provider: "codex", status: .failed,
        createdAt: Date(timeIntervalSince1970: base + 3), dismissedAt: Date()))

    #expect(try store.list().map(\.id) == ["a", "b", "c"])
    #expect(try store.list(.all).map(\.id) == ["a", "b", "c", "d"])
    #expect(try store.list(.init(provider: "codex")).map(\.id) == ["b", "c"])
    #expect(try store.list(.init(statuses: [.running, .queued])).map(\.id) == ["b", "c"])
    #expect(try store.list(.init(statuses: [.failed], includeDismissed: true)).map(\.id) == ["d"])
    #expect(try store.list(.init(statuses: [])).isEmpty)
    #expect(try store.list(.init(parentID: "a")).map(\.id) == ["b"])
    #expect(try store.count() == 3)
    #expect(try store.count(.all) == 4)
    #expect(try store.count(.init(provider: "claude")) == 1)
  }

  @Test func migratesAnEmptyFileOnceAndReopensAsIs() throws {
    _ = FileManager.default.createFile(atPath: path, contents: Data())
    let store = try AgentStore(path: path)
    #expect(try store.database.schemaVersion(of: AgentStore.schema) == AgentStore.schemaVersion)
    try store.create(AgentRecord(id: "m1", name: "kept", provider: "codex"))
    let schema = try store.database.read { (connection) throws(StoreError) in
      try connection.query("SELECT name FROM sqlite_schema ORDER BY name") { $0.string(0) ?? "" }
    }
    #expect(schema.contains("agents") && schema.contains("events") && schema.contains("events_by_agent"))

    let reopened = try AgentStore(path: path)
    #expect(try reopened.database.schemaVersion(of: AgentStore.schema) == AgentStore.schemaVersion)
    #expect(try reopened.agent(id: "m1")?.name == "kept")
    let schemaAgain = try reopened.database.read { (connection) throws(StoreError) in
      try connection.query("SELECT name FROM sqlite_schema ORDER BY name") { $0.string(0) ?? "" }
    }
    #expect(schemaAgain == schema)

    // Migrations are numbered 1, 2, 3, … with no gaps.
    for schema in AgentStore.schemas {
      #expect(schema.migrations.map(\.version) == Array(1...schema.migrations.count))
    }
  }

  @Test func refusesANewerSchemaAndForeignDatabases() throws {
    _ = try AgentStore(path: path)
    try SQLiteConnection.open(path: path, busyTimeout: .seconds(1), retryLimit: .seconds(1))
      .execute("PRAGMA user_version = 99")
    let newer = #expect(throws: StoreError.self) { try AgentStore(path: path) }
    #expect(newer?.code == .schemaTooNew)

    let foreign = directory.path("foreign.db")
    try SQLiteConnection.open(path: foreign, busyTimeout: .seconds(1), retryLimit: .seconds(1))
      .execute("CREATE TABLE notes (text TEXT)")
    let error = #expect(throws: StoreError.self) { try AgentStore(path: foreign) }
    #expect(error?.code == .corrupt)
  }

  @Test func filesArePrivate() throws {
    let store = try AgentStore(path: path)
    try store.create(AgentRecord(name: "p", provider: "codex"))
    for file in [path, path + "-wal", path + "-shm"] {
      #expect(mode(of: file) == 0o600, "\(file)")
    }
    // An existing, wider file is narrowed.
    let wide = directory.path("wide.db")
    _ = FileManager.default.createFile(atPath: wide, contents: Data(), attributes: [.posixPermissions: 0o644])
    _ = try AgentStore(path: wide)
    #expect(mode(of: wide) == 0o600)
  }

  @Test func aCorruptFileIsAClearError() throws {
    var garbage = [UInt8](repeating: 0, count: 8192)
    for index in garbage.indices { garbage[index] = UInt8.random(in: 0...255) }
    try Data(garbage).write(to: URL(fileURLWithPath: path))
    let error = #expect(throws: StoreError.self) { try AgentStore(path: path) }
    #expect(error?.code == .corrupt)
    #expect(error?.description.contains(path) == true)
    #expect(error?.message.contains("not a database") == true)

    let missingFolder = directory.path("no/such/folder/state.db")
    let cannotOpen = #expect(throws: StoreError.self) { try AgentStore(path: missingFolder) }
    #expect(cannotOpen?.code == .cannotOpen)
  }

  private func mode(of file: String) -> Int? {
    let attributes = try? FileManager.default.attributesOfItem(atPath: file)
    return (attributes?[.posixPermissions] as? NSNumber)?.intValue
  }
}
