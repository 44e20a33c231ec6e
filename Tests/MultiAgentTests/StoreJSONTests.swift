import Foundation
import JSONKit
import ProviderKit
import TestSupport
import Testing

@testable import MultiAgent
@testable import StateStore

/// `list --json` is written straight from the rows (`AgentStore.listJSON`): it must be byte for
/// byte what writing the records `list` returns gives, whatever the rows hold.
@Suite struct StoreJSONTests {
  let directory: TemporaryDirectory
  let path: String
  init() throws {
    directory = try TemporaryDirectory(prefix: "store-json")
    path = directory.path("state.db")
  }

  func execute(_ sql: String) throws {
    try SQLiteConnection.open(path: path, busyTimeout: .seconds(1), retryLimit: .seconds(1)).execute(sql)
  }

  /// The records' JSON as the tree writer writes it: the reference.
  static func viaRecords(_ records: [AgentRecord]) -> [UInt8] {
    JSONWriter.bytes(.array(records.map(\.jsonValue)))
  }

  /// `writeListJSON`'s pieces.
  static func pieces(_ store: AgentStore, _ filter: AgentStore.Filter, chunkSize: Int) throws -> [[UInt8]] {
    var pieces: [[UInt8]] = []
    try store.writeListJSON(filter, chunkSize: chunkSize) { pieces.append(Array($0)) }
    return pieces
  }

  @Test func aRecordWritesWhatItsTreeWrites() {
    let records = [
      StoreTests.fullRecord(), AgentRecord(id: "m", name: "m", provider: "p"),
      AgentRecord(
        id: "q", name: "q", provider: "p", status: .waitingForInput,
        pendingQuestions: [PendingQuestion(id: "q1", question: "Why?\u{1}", options: [], header: nil)],
        createdAt: Date(timeIntervalSince1970: -1.5)),
    ]
    for record in records {
      var output = JSONOutput()
      record.writeJSON(to: &output)
      #expect(output.bytes == JSONWriter.bytes(record.jsonValue))
    }
  }

  @Test func theRowsWriteWhatTheirRecordsWrite() throws {
    let store = try AgentStore(path: path)
    let parent = try store.create(AgentRecord(id: "p0", name: "parent", provider: "claude"))
    try store.create(StoreTests.fullRecord(parentID: parent.id))
    for index in 0..<50 {
      try store.create(
        AgentRecord(
          id: "r\(index)", name: "agent-\(index)", provider: index % 2 == 0 ? "codex" : "claude",
          promptSummary: "Fix \"test\" \(index)\tnow ✓",
          createdAt: Date(timeIntervalSince1970: 1e9 + Double(index) / 3)))
    }
    // What only raw SQL can put there: bytes that are not UTF-8, numbers in text columns, a
    // NULL where the record has a default, times and offsets far from the usual.
    try execute(
      """
      UPDATE agents SET result = X'61FF62', error = 'ok', cwd = 42, exit_code = 4294967297,
        supervisor_pid = 7, supervisor_start_time = -1, supervisor_spawn_id = NULL,
        updated_at = 0.1, started_at = 4102444800.123456, extra_arguments = '["a", 1, "b"]'
      WHERE id = 'r3';
      UPDATE agents SET created_at = 1e-300, parse_offset = 9007199254740993 WHERE id = 'r4';
      """)
    for filter in [
      AgentStore.Filter.all, AgentStore.Filter(), AgentStore.Filter(provider: "codex"),
      AgentStore.Filter(parentID: parent.id), AgentStore.Filter(statuses: [.queued]),
      AgentStore.Filter(provider: "nobody"),
    ] {
      let direct = try store.listJSON(filter)
      #expect(direct == Self.viaRecords(try store.list(filter)))
      for chunkSize in [1, 700, 64 * 1024] {
        #expect(Array(try Self.pieces(store, filter, chunkSize: chunkSize).joined()) == direct)
      }
    }
    // Pieces of at least the size asked for (the last one may be shorter).
    let pieces = try Self.pieces(store, .all, chunkSize: 4096)
    #expect(pieces.count > 2)
    #expect(pieces.dropLast().allSatisfy { $0.count >= 4096 })
    let all = try #require(try JSONParser.parse(store.listJSON(.all)).arrayValue)
    #expect(all.count == 52)
    #expect(all.first { $0["id"]?.stringValue == "r3" }?["result"]?.stringValue == "a\u{FFFD}b")
  }

  @Test func aRowTheRecordCannotReadIsTheSameErrorAndNoText() throws {
    let store = try AgentStore(path: path)
    try store.create(AgentRecord(id: "a", name: "a", provider: "p"))
    try store.create(AgentRecord(id: "b", name: "b", provider: "p"))
    for (sql, column) in [
      ("UPDATE agents SET status = 'dreaming' WHERE id = 'b'", "status"),
      ("UPDATE agents SET status = 'queued', pending_questions = '{' WHERE id = 'b'", "pending_questions"),
    ] {
      try execute(sql)
      let listed = #expect(throws: StoreError.self) { try store.list(.all) }
      let written = #expect(throws: StoreError.self) { try store.listJSON(.all) }
      #expect(written?.code == .invalidValue)
      #expect(written?.description == listed?.description)
      #expect(written?.description.contains("column \(column)") == true)
      // Written in pieces: the same error, and nothing written before it.
      var streamed: [[UInt8]] = []
      let thrown = #expect(throws: StoreError.self) {
        try store.writeListJSON(.all, chunkSize: 1) { streamed.append(Array($0)) }
      }
      #expect(thrown?.description == listed?.description)
      #expect(streamed.isEmpty)
      // A row the filter leaves out cannot fail the listing: the rest is written whole.
      let others = try Self.pieces(store, AgentStore.Filter(statuses: [.starting]), chunkSize: 1)
      #expect(Array(others.joined()) == (try store.listJSON(AgentStore.Filter(statuses: [.starting]))))
      let agentA = try #require(try store.agent(id: "a"))
      #expect(Array(others.joined()) == Self.viaRecords([agentA]))
    }
  }

  /// Many rows, read in batches on a thread of their own: the same text as the records write,
  /// long texts (beyond a batch's first buffer) and odd values included.
  @Test func manyRowsWriteWhatTheirRecordsWrite() throws {
    let store = try AgentStore(path: path)
    for index in 0..<700 {
      try store.create(
        AgentRecord(
          id: String(format: "r%04d", index), name: "agent-\(index)", provider: "claude",
          status: [.completed, .failed, .waitingForInput, .running][index % 4],
          promptSummary: String(repeating: "long \(index) ", count: index % 97 == 0 ? 20_000 : 3),
          pendingQuestions: index % 4 == 2
            ? [PendingQuestion(id: "q", question: "Which?", options: ["a", "b"], header: "H")] : [],
          createdAt: Date(timeIntervalSince1970: 1e9 + Double(index))))
    }
    try execute("UPDATE agents SET cwd = 7, exit_code = 2.5, result = X'00FF' WHERE rowid % 50 = 0")
    let direct = try store.listJSON(.all)
    #expect(direct == Self.viaRecords(try store.list(.all)))
    #expect(Array(try Self.pieces(store, .all, chunkSize: 64 * 1024).joined()) == direct)
    #expect(try JSONParser.parse(direct).arrayValue?.count == 700)
  }

  /// What every command reads before its own work (a reconcile pass, the checks of `list --json`)
  /// reads indexes, not the whole table: a home of 10,000 agents costs about what an empty one does.
  @Test func whatEveryCommandReadsFirstSeeksIndexes() throws {
    let store = try AgentStore(path: path)
    let plans = try store.database.read { (connection) throws(StoreError) -> [String: String] in
      var plans: [String: String] = [:]
      for sql in [
        AgentStore.settledSQL, AgentStore.reconcileCandidatesSQL, AgentStore.rowsWithJSON,
        AgentStore.distinctStatuses,
      ] {
        plans[sql] = try connection.query("EXPLAIN QUERY PLAN " + sql) { $0.string(3) ?? "" }.joined(
          separator: "; ")
      }
      return plans
    }
    for (sql, plan) in plans {
      // A full scan shows as `SCAN agents` with no index after it.
      let scans = plan.components(separatedBy: "; ").filter {
        $0.hasPrefix("SCAN agents") && !$0.contains("INDEX")
      }
      #expect(scans.isEmpty, "\(sql): \(plan)")
    }
    #expect(plans[AgentStore.settledSQL]?.contains("agents_by_status (status=? AND updated_at>?)") == true)
    #expect(plans[AgentStore.reconcileCandidatesSQL]?.contains("agents_by_status_worktree") == true)
    #expect(plans[AgentStore.rowsWithJSON]?.contains("agents_with_json") == true)
    // Each distinct status one seek in the status index, not a walk through all of its entries.
    #expect(
      plans[AgentStore.distinctStatuses]?.contains("SEARCH agents USING COVERING INDEX agents_by_status")
        == true)
  }
}
