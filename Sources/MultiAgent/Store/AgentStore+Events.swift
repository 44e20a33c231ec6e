import StateStore
import ProviderKit
#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Reading the events of agents: for `events`, `events --follow` and `show`.
extension AgentStore {

  /// The agent's events with an id above `afterID`, oldest first, at most `limit` (all when nil).
  public func events(agentID: String, afterID: Int64 = 0, limit: Int? = nil) throws(StoreError)
    -> [StoredEvent]
  {
    try queryEvents(
      "SELECT \(AgentRows.eventColumns) FROM events WHERE agent_id = ? AND id > ? ORDER BY id LIMIT ?",
      agentID: agentID, afterID: afterID, limit: limit)
  }

  /// Every agent's events with an id above `afterID`, oldest first, at most `limit` (all when nil):
  /// poll with the last id seen to follow the stream.
  public func events(afterID: Int64, limit: Int? = nil) throws(StoreError) -> [StoredEvent] {
    try queryEvents(
      "SELECT \(AgentRows.eventColumns) FROM events WHERE id > ? ORDER BY id LIMIT ?",
      agentID: nil, afterID: afterID, limit: limit)
  }

  /// The id of the newest event (0 when there is none): follow from here to see only new events.
  public func lastEventID() throws(StoreError) -> Int64 {
    try database.read { (connection) throws(StoreError) -> Int64 in
      try connection.query("SELECT max(id) FROM events") { $0.int64(0) ?? 0 }.first ?? 0
    }
  }

  func queryEvents(_ sql: String, agentID: String?, afterID: Int64, limit: Int?) throws(StoreError)
    -> [StoredEvent]
  {
    try database.read { (connection) throws(StoreError) -> [StoredEvent] in
      try connection.with(sql) { (statement) throws(StoreError) -> [StoredEvent] in
        var index: Int32 = 0
        if let agentID {
          statement.bind(agentID, at: 0)
          index = 1
        }
        statement.bind(afterID, at: index)
        // No limit is the largest one: PostgreSQL refuses SQLite's -1.
        statement.bind(limit.map { Int64($0) } ?? Int64.max, at: index + 1)
        var events: [StoredEvent] = []
        while try statement.step() { events.append(AgentRows.event(statement)) }
        return events
      }
    }
  }

  /// The shared read-modify-write of ``update(id:_:)`` and ``transition(id:from:to:message:data:_:)``.
}
