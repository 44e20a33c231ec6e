import JSONKit
import StateStore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Events numbered by the host an agent runs on: stored exactly once, however often they arrive.
extension AgentStore {
  /// Appends an event that the agent's host numbered `hostSequence`, unless the agent already has an
  /// event with that number: ingesting a host's spool again, or retrying a write whose first attempt
  /// committed after the caller gave up on it (a cut-off link), adds nothing.
  ///
  /// - Parameters:
  ///   - event: the event; its `id` is ignored, its `time` is the host's.
  ///   - hostSequence: the host's number for the event, unique per agent.
  /// - Returns: the event as stored (the earlier one when it was there already), and whether this
  ///   call stored it.
  /// - Throws: `StoreError` with code `notFound` when the agent does not exist.
  @discardableResult
  public func appendHostEvent(_ event: StoredEvent, hostSequence: Int64) throws(StoreError)
    -> (event: StoredEvent, inserted: Bool)
  {
    let path = path
    var event = event
    event.time = Date(timeIntervalSince1970: event.time.timeIntervalSince1970)
    let stored = event
    return try database.write { (connection) throws(StoreError) -> (event: StoredEvent, inserted: Bool) in
      guard try Self.fetch(id: stored.agentID, connection) != nil else {
        throw StoreError(code: .notFound, message: "no agent with id \(stored.agentID)", path: path)
      }
      let inserted = try connection.with(Self.insertHostEvent) { (statement) throws(StoreError) -> Bool in
        AgentRows.bind(stored, to: statement)
        statement.bind(hostSequence, at: 7)
        try statement.run()
        return connection.changes > 0
      }
      if inserted {
        var new = stored
        new.id = try connection.lastInsertedID()
        try Self.notifyEventInserted(connection)
        return (new, true)
      }
      let earlier = try connection.with(
        "SELECT \(AgentRows.eventColumns) FROM events WHERE agent_id = ? AND host_sequence = ?"
      ) { (statement) throws(StoreError) -> StoredEvent? in
        statement.bind(stored.agentID, at: 0)
        statement.bind(hostSequence, at: 1)
        return try statement.step() ? AgentRows.event(statement) : nil
      }
      guard let earlier else {
        throw StoreError(
          code: .constraint, message: "event \(hostSequence) of agent \(stored.agentID) was refused",
          path: path)
      }
      return (earlier, false)
    }
  }

  /// The highest host sequence stored for the agent's events (nil when none came from a host): a
  /// host's spool is read again from the next one.
  public func lastHostSequence(agentID: String) throws(StoreError) -> Int64? {
    try database.read { (connection) throws(StoreError) -> Int64? in
      try connection.with("SELECT max(host_sequence) FROM events WHERE agent_id = ?") {
        (statement) throws(StoreError) -> Int64? in
        statement.bind(agentID, at: 0)
        return try statement.step() ? statement.int64(0) : nil
      }
    }
  }

  /// ``AgentRows/insertEvent`` with the host sequence as parameter 8, doing nothing on a duplicate
  /// (`ON CONFLICT … DO NOTHING`, which both engines speak).
  static let insertHostEvent =
    "INSERT INTO events (agent_id, time, type, from_status, to_status, message, data, host_sequence) "
    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (agent_id, host_sequence) DO NOTHING"
}
