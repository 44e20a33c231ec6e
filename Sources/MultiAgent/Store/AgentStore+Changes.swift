import JSONKit
import ProviderKit
import StateStore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

extension AgentStore {
  // MARK: Changing

  /// Reads the agent, lets `body` change it, and writes it back, all in one write transaction: no
  /// other process can change the agent in between, so no update is lost.
  ///
  /// `updated_at` is set to now when anything changed (nothing is written otherwise). A status
  /// change must be one the status machine allows (``AgentStatus/legalTransitions``); it appends a `status_changed` event, sets `started_at` on first becoming running and
  /// `finished_at` on becoming terminal. The id cannot change.
  ///
  /// - Returns: the record as stored.
  /// - Throws: what `body` throws (nothing is written), or `StoreError`: `notFound`, `nameTaken`
  ///   (when `body` renames it to a taken name), `invalidValue` (when `body` changes the id), …
  @discardableResult
  public func update(id: String, _ body: (inout AgentRecord) throws -> Void) throws -> AgentRecord {
    try transaction(id: id, from: nil, to: nil, message: nil, data: nil, body).record
  }

  /// ``update(id:_:)`` that also records `event` in the same write transaction — only when `body`
  /// changed the record, so a retried write whose first attempt committed records it once.
  @discardableResult
  public func update(
    id: String, alsoRecording event: EventDraft, _ body: (inout AgentRecord) throws -> Void
  ) throws -> AgentRecord {
    try transaction(id: id, from: nil, to: nil, message: nil, data: nil, alsoRecording: event, body).record
  }

  /// Changes the agent's status to `status` only if it is currently one of `expected`
  /// (compare-and-set), applies `body` to the record, and appends a `status_changed` event carrying
  /// `message` and `data`, all in one write transaction. A change the status machine does not allow
  /// (``AgentStatus/legalTransitions``) is refused with `invalidValue`.
  ///
  /// - Parameters:
  ///   - id: the agent.
  ///   - expected: the statuses the agent may be in for the change to happen.
  ///   - status: the new status.
  ///   - message: a line for the event (e.g. why).
  ///   - data: details for the event.
  ///   - body: further changes to make in the same transaction (e.g. set the result); it runs only
  ///     when the transition applies.
  /// - Returns: whether it applied, and the record (as stored, or as found).
  /// - Throws: what `body` throws (nothing is written), or `StoreError` (`notFound`, …).
  @discardableResult
  public func transition(
    id: String, from expected: Set<AgentStatus>, to status: AgentStatus, message: String? = nil,
    data: JSONValue? = nil, _ body: (inout AgentRecord) throws -> Void = { _ in }
  ) throws -> StatusTransition {
    try transaction(id: id, from: expected, to: status, message: message, data: data, body)
  }

  /// Applies a named ``StatusChange``: moves the agent to `change.to` only if it is in one of
  /// `change.from` (compare-and-set), with `body` and a `status_changed` event in the same write
  /// transaction. This is how the library changes statuses.
  ///
  /// - Returns: whether it applied, and the record (as stored, or as found).
  /// - Throws: what `body` throws (nothing is written), or `StoreError`.
  @discardableResult
  public func transition(
    id: String, _ change: StatusChange, message: String? = nil, data: JSONValue? = nil,
    _ body: (inout AgentRecord) throws -> Void = { _ in }
  ) throws -> StatusTransition {
    try transaction(id: id, from: change.from, to: change.to, message: message, data: data, body)
  }

  /// ``transition(id:_:message:data:_:)`` that also records `event` in the same write transaction,
  /// after the `status_changed` event — only when the transition changed the record, so a retried
  /// write whose first attempt committed records it once.
  @discardableResult
  public func transition(
    id: String, _ change: StatusChange, message: String? = nil, data: JSONValue? = nil,
    alsoRecording event: EventDraft, _ body: (inout AgentRecord) throws -> Void = { _ in }
  ) throws -> StatusTransition {
    try transaction(
      id: id, from: change.from, to: change.to, message: message, data: data, alsoRecording: event, body)
  }

  /// Appends an event for an agent (status changes are recorded by the store itself).
  ///
  /// - Returns: the event as stored, with its id.
  /// - Throws: `StoreError` with code `notFound` when the agent does not exist.
  @discardableResult
  public func appendEvent(
    agentID: String, type: StoredEvent.EventType, fromStatus: AgentStatus? = nil,
    toStatus: AgentStatus? = nil,
    message: String? = nil, data: JSONValue? = nil
  ) throws(StoreError) -> StoredEvent {
    let path = path
    let event = StoredEvent(
      id: 0, agentID: agentID, time: Self.now(), type: type, fromStatus: fromStatus, toStatus: toStatus,
      message: message, data: data)
    return try database.write { (connection) throws(StoreError) -> StoredEvent in
      guard try Self.fetch(id: agentID, connection) != nil else {
        throw StoreError(code: .notFound, message: "no agent with id \(agentID)", path: path)
      }
      return try Self.insertEvent(event, connection)
    }
  }

  /// Agent `id`'s status alone (cheaper than its record, for a check made every second), or nil
  /// when there is no such agent or the status is unknown.
  public func status(id: String) throws(StoreError) -> AgentStatus? {
    try database.read { (connection) throws(StoreError) -> AgentStatus? in
      try connection.with("SELECT status FROM agents WHERE id = ?") {
        (statement) throws(StoreError) -> AgentStatus? in
        statement.bind(id, at: 0)
        return try statement.step() ? statement.string(0).flatMap(AgentStatus.init(rawValue:)) : nil
      }
    }
  }

  /// Moves the agent's parse offset forward to `offset` (and its update time to now), nothing else:
  /// the one write a supervisor makes for output that changes nothing else in the record.
  ///
  /// - Returns: whether the agent exists.
  @discardableResult
  public func advanceParseOffset(id: String, to offset: Int64) throws(StoreError) -> Bool {
    let now = Self.now().timeIntervalSince1970
    return try database.write { (connection) throws(StoreError) -> Bool in
      try connection.with(
        "UPDATE agents SET parse_offset = ?, updated_at = ? WHERE id = ?"
      ) { (statement) throws(StoreError) -> Bool in
        statement.bind(offset, at: 0)
        statement.bind(now, at: 1)
        statement.bind(id, at: 2)
        try statement.run()
        return connection.changes > 0
      }
    }
  }

  /// Deletes the agent and its events. Its children stay, with no parent.
  ///
  /// - Returns: whether the agent existed.
  @discardableResult
  public func delete(id: String) throws(StoreError) -> Bool {
    try database.write { (connection) throws(StoreError) -> Bool in
      try connection.with("DELETE FROM events WHERE agent_id = ?") { (statement) throws(StoreError) in
        statement.bind(id, at: 0)
        try statement.run()
      }
      return try connection.with("DELETE FROM agents WHERE id = ?") {
        (statement) throws(StoreError) -> Bool in
        statement.bind(id, at: 0)
        try statement.run()
        return connection.changes > 0
      }
    }
  }

  /// Starts queued agents, race-free across processes: in one write transaction, reads the agents
  /// holding a slot (`starting`, `running`) and the queued ones (FIFO: by creation time, then id),
  /// lets `choose` pick which queued agents to admit, and moves each of those from `queued` to
  /// `starting` (compare-and-set: an agent another process admitted or stopped meanwhile is not
  /// queued any more, so it is never admitted twice).
  ///
  /// - Parameters:
  ///   - machine: the machine of the controller admitting them, which then supervises them (any
  ///     controller sharing the store may start a queued agent whose files it can reach).
  ///   - choose: given the agents holding a slot and the queue, the ids to admit; it runs while the
  ///     database is locked for writing, so it must be quick and must not call the store.
  /// - Returns: the records admitted, now `starting`, in the order chosen.
  func admitQueued(
    message: String, machine: String, _ choose: (_ holding: [AgentRecord], _ queue: [AgentRecord]) -> [String]
  ) throws(StoreError) -> [AgentRecord] {
    try database.write { (connection) throws(StoreError) -> [AgentRecord] in
      var holding: [AgentRecord] = []
      var queue: [AgentRecord] = []
      let sql = AgentRows.select + " WHERE status IN (?, ?, ?)"
      try connection.with(sql) { (statement) throws(StoreError) in
        statement.bind(AgentStatus.queued.rawValue, at: 0)
        statement.bind(AgentStatus.starting.rawValue, at: 1)
        statement.bind(AgentStatus.running.rawValue, at: 2)
        while try statement.step() {
          let record = try AgentRows.record(statement, path: connection.path)
          if record.status == .queued { queue.append(record) } else { holding.append(record) }
        }
      }
      guard !queue.isEmpty else { return [] }
      queue.sort { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
      let byID = Dictionary(queue.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
      var admitted: [AgentRecord] = []
      for id in choose(holding, queue) {
        guard let current = byID[id], !admitted.contains(where: { $0.id == id }) else { continue }
        var record = current
        record.status = StatusChange.admit.to
        record.machine = machine
        admitted.append(
          try Self.save(record, replacing: current, message: message, data: nil, connection).record)
      }
      return admitted
    }
  }
}
