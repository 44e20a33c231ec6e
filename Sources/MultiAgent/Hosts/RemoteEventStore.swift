import JSONKit
import StateStore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// An event of an agent on a host, as the controller ingested it from the host's spool.
public struct RemoteEvent: Sendable, Hashable {
  /// Where it is in the controller's copy: increasing, never reused; follow by asking for the
  /// events after the last one seen.
  public var sequence: Int64
  /// The host's name in multiagent.
  public var host: String
  /// The agent's name.
  public var agentName: String
  /// The event as the host stored it: its `id` is the host's sequence, its `agentID` the agent's
  /// id on the host.
  public var event: StoredEvent

  /// Creates an event.
  public init(sequence: Int64, host: String, agentName: String, event: StoredEvent) {
    self.sequence = sequence
    self.host = host
    self.agentName = agentName
    self.event = event
  }

  /// The host's event (`id` is its sequence on that host) with `agent` (the name) and `host`, keys
  /// in sorted order.
  public var jsonValue: JSONValue {
    guard case .object(var object) = event.jsonValue else { return event.jsonValue }
    object["agent"] = .string(agentName)
    object["host"] = .string(host)
    let members = zip(object.keys, object.values).sorted { $0.0 < $1.0 }
    return .object(JSONObject(keys: members.map(\.0), values: members.map(\.1)))
  }
}

/// The events ingested from hosts, in the state database: the `remote_events` component. One row
/// per (host, agent, host sequence): ingesting the same events again — after a crash, a restart or
/// by two processes at once — stores nothing twice.
package struct RemoteEventStore: Sendable {
  let database: StateDatabase

  /// Rows in a database this process has open; whoever opened it migrated ``schema``.
  package init(database: StateDatabase) {
    self.database = database
  }

  /// The component's steps, in order. Append; never edit one that has shipped.
  package static let schema = StoreSchema(
    component: "remote_events", migrations: [StoreMigration(version: 1, sql: version1)])

  private static let version1 = """
    CREATE TABLE remote_events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      host TEXT NOT NULL COLLATE NOCASE,
      remote_id TEXT NOT NULL,
      agent TEXT NOT NULL COLLATE NOCASE,
      host_seq INTEGER NOT NULL,
      time REAL NOT NULL,
      type TEXT NOT NULL,
      from_status TEXT,
      to_status TEXT,
      message TEXT,
      data TEXT,
      UNIQUE (host, remote_id, host_seq)
    );
    """

  private static let columns =
    "id, host, agent, host_seq, remote_id, time, type, from_status, to_status, message, data"

  /// The host sequence of the newest event held for agent `remoteID` of `host` (0: none): ingestion
  /// asks the host for the events after it.
  package func lastSequence(host: String, remoteID: String) throws(StoreError) -> Int64 {
    try database.read { (connection) throws(StoreError) -> Int64 in
      try connection.with("SELECT max(host_seq) FROM remote_events WHERE host = ? AND remote_id = ?") {
        (statement) throws(StoreError) -> Int64 in
        statement.bind(host, at: 0)
        statement.bind(remoteID, at: 1)
        return try statement.step() ? statement.int64(0) ?? 0 : 0
      }
    }
  }

  /// Stores `events` of the agent called `agent` (id `remoteID` on `host`) in one transaction,
  /// skipping those held already.
  ///
  /// - Returns: how many were new.
  @discardableResult
  package func insert(_ events: [StoredEvent], host: String, remoteID: String, agent: String)
    throws(StoreError) -> Int
  {
    guard !events.isEmpty else { return 0 }
    return try database.write { (connection) throws(StoreError) -> Int in
      var inserted = 0
      for event in events {
        try connection.with(
          "INSERT OR IGNORE INTO remote_events (host, remote_id, agent, host_seq, time, type, from_status, "
            + "to_status, message, data) VALUES (?,?,?,?,?,?,?,?,?,?)"
        ) { (statement) throws(StoreError) in
          statement.bind(host, at: 0)
          statement.bind(remoteID, at: 1)
          statement.bind(agent, at: 2)
          statement.bind(event.id, at: 3)
          statement.bind(event.time.timeIntervalSince1970, at: 4)
          statement.bind(event.type.rawValue, at: 5)
          statement.bind(event.fromStatus?.rawValue, at: 6)
          statement.bind(event.toStatus?.rawValue, at: 7)
          statement.bind(event.message, at: 8)
          statement.bind(event.data.map(JSONWriter.string), at: 9)
          try statement.run()
          inserted += connection.changes
        }
      }
      return inserted
    }
  }

  /// The events after `sequence`, oldest first; only the agent called `agent`'s when given.
  package func events(after sequence: Int64 = 0, agent: String? = nil) throws(StoreError) -> [RemoteEvent] {
    try database.read { (connection) throws(StoreError) -> [RemoteEvent] in
      try connection.with(
        "SELECT \(Self.columns) FROM remote_events WHERE id > ? AND (? IS NULL OR agent = ?) ORDER BY id"
      ) { (statement) throws(StoreError) -> [RemoteEvent] in
        statement.bind(sequence, at: 0)
        statement.bind(agent, at: 1)
        statement.bind(agent, at: 2)
        var events: [RemoteEvent] = []
        while try statement.step() { events.append(Self.event(statement)) }
        return events
      }
    }
  }

  /// Forgets the events of agent `remoteID` of `host` (when it is deleted).
  package func remove(host: String, remoteID: String) throws(StoreError) {
    try database.write { (connection) throws(StoreError) in
      try connection.with("DELETE FROM remote_events WHERE host = ? AND remote_id = ?") {
        (statement) throws(StoreError) in
        statement.bind(host, at: 0)
        statement.bind(remoteID, at: 1)
        try statement.run()
      }
    }
  }

  private static func event(_ row: SQLiteStatement) -> RemoteEvent {
    RemoteEvent(
      sequence: row.int64(0) ?? 0, host: row.string(1) ?? "", agentName: row.string(2) ?? "",
      event: StoredEvent(
        id: row.int64(3) ?? 0, agentID: row.string(4) ?? "",
        time: Date(timeIntervalSince1970: row.double(5) ?? 0),
        type: StoredEvent.EventType(rawValue: row.string(6) ?? ""),
        fromStatus: row.string(7).flatMap(AgentStatus.init(rawValue:)),
        toStatus: row.string(8).flatMap(AgentStatus.init(rawValue:)), message: row.string(9),
        data: row.string(10).flatMap { try? JSONParser.parse($0) }))
  }
}
