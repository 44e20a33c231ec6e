import Credentials
import JSONKit
import ProviderKit
import StateStore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The agents and their events, in the state database (`<home>/state.db`).
///
/// Safe to use from many threads, and from many processes at once (each opening its own store):
/// every write is one `BEGIN IMMEDIATE` transaction, so a read-modify-write (``update(id:_:)``,
/// ``transition(id:from:to:message:data:_:)``) never loses a concurrent update, and a locked
/// database is waited for and retried rather than reported.
///
/// Every status change made through the store appends a `status_changed` event in the same
/// transaction, so the events table is a complete history of statuses.
///
/// The closures passed to ``update(id:_:)`` and ``transition(id:from:to:message:data:_:)`` run while
/// the database is locked for writing: keep them short, and never call the store from inside them.
public final class AgentStore: Sendable {
  /// Which agents ``list(_:)`` and ``count(_:)`` return.
  public struct Filter: Sendable, Hashable {
    /// Only agents in one of these statuses (all when nil).
    public var statuses: Set<AgentStatus>?
    /// Only agents of this provider (all when nil).
    public var provider: String?
    /// Only children of this agent (all when nil).
    public var parentID: String?
    /// Whether dismissed agents are included.
    public var includeDismissed: Bool
    /// Only agents that run in a worktree of their own (all when false).
    public var withWorktreeOnly: Bool

    /// A filter; the default matches every agent not dismissed.
    public init(
      statuses: Set<AgentStatus>? = nil, provider: String? = nil, parentID: String? = nil,
      includeDismissed: Bool = false, withWorktreeOnly: Bool = false
    ) {
      self.statuses = statuses
      self.provider = provider
      self.parentID = parentID
      self.includeDismissed = includeDismissed
      self.withWorktreeOnly = withWorktreeOnly
    }

    /// Every agent, dismissed ones included.
    public static let all = Filter(includeDismissed: true)
  }

  /// The outcome of ``transition(id:from:to:message:data:_:)``.
  public struct StatusTransition: Sendable, Hashable {
    /// Whether the agent was in one of the expected statuses, so the change was made.
    public var applied: Bool
    /// The record after the change, or as found when not applied.
    public var record: AgentRecord
    /// The `status_changed` event appended, when the status changed.
    public var event: StoredEvent?
  }

  /// The database file, or the PostgreSQL URL without its password.
  public var path: String { database.path }
  let database: StateDatabase

  /// The version of the agents tables this build writes (see ``schema``).
  public static var schemaVersion: Int { schema.currentVersion }

  /// The components an agent store's database holds: its own tables, and the accounts', since the
  /// agent manager reaches the accounts through the same connection.
  static var schemas: [StoreSchema] { [schema, AccountStore.schema] }

  /// Opens the database at `path`, creating it (mode 0600) when missing, and migrates the agents and
  /// accounts tables.
  ///
  /// - Parameters:
  ///   - path: the database file; its folder must exist.
  ///   - busyTimeout: how long SQLite waits for a lock before each retry.
  /// - Throws: `StoreError`: `cannotOpen`, `corrupt` (not a multiagent database),
  ///   `schemaTooNew`, `busy` (locked by others for over a minute), …
  public init(path: String, busyTimeout: Duration = .seconds(15)) throws(StoreError) {
    database = try StateDatabase(path: path, schemas: Self.schemas, busyTimeout: busyTimeout)
  }

  /// Opens the store at `location` (a SQLite file, or a PostgreSQL server several controllers
  /// share) and migrates the agents and accounts tables.
  ///
  /// - Parameters:
  ///   - location: where the database is (see ``StoreLocation``).
  ///   - busyTimeout: how long to wait for the write lock before each retry.
  /// - Throws: `StoreError`: `cannotOpen`, `unavailable` (a server that cannot be reached),
  ///   `corrupt`, `schemaTooNew`, `busy`, …
  public init(location: StoreLocation, busyTimeout: Duration = .seconds(15)) throws(StoreError) {
    database = try StateDatabase(location: location, schemas: Self.schemas, busyTimeout: busyTimeout)
  }

  /// Opens the home's store: `<home>/state.db` (the home must exist: see ``StateHome/create()``), or
  /// the shared store it names (``StateHome/store``).
  public convenience init(home: StateHome) throws(StoreError) {
    try self.init(location: home.store)
  }

  init(database: StateDatabase) {
    self.database = database
  }

  // MARK: Creating and reading

  /// Stores a new agent and appends its `created` event.
  ///
  /// - Parameters:
  ///   - record: the agent.
  ///   - tokenHash: the SHA-256 (hex) of the agent's secret token, kept in `token_hash` (never in
  ///     the record, so never in `--json` output).
  ///   - requireLiveParent: refuse a parent that is completed, failed, stopped or crashed; checked in
  ///     the same transaction as the insert, so a parent being stopped never gains a child afterwards.
  /// - Returns: the record as stored.
  /// - Throws: `StoreError` with code `nameTaken` when another agent has this name (ignoring ASCII
  ///   case), `idTaken` for a duplicate id, `notFound` when the parent does not exist, `constraint`
  ///   when `requireLiveParent` and the parent has finished, `invalidValue` for an empty id, name or
  ///   provider.
  @discardableResult
  public func create(
    _ record: AgentRecord, tokenHash: String? = nil, requireLiveParent: Bool = false
  ) throws(StoreError) -> AgentRecord {
    let path = path
    var record = Self.normalized(record)
    for (value, what) in [(record.id, "id"), (record.name, "name"), (record.provider, "provider")]
    where value.isEmpty {
      throw StoreError(code: .invalidValue, message: "an agent needs a non-empty \(what)", path: path)
    }
    if record.updatedAt < record.createdAt { record.updatedAt = record.createdAt }
    let stored = record
    return try database.write { (connection) throws(StoreError) -> AgentRecord in
      try Self.checkNameFree(stored.name, for: stored.id, connection)
      guard try Self.fetch(id: stored.id, connection) == nil else {
        throw StoreError(code: .idTaken, message: "an agent with id \(stored.id) already exists", path: path)
      }
      if let parentID = stored.parentID {
        guard let parent = try Self.fetch(id: parentID, connection) else {
          throw StoreError(code: .notFound, message: "parent agent \(parentID) does not exist", path: path)
        }
        if requireLiveParent, parent.status.isTerminal {
          throw StoreError(
            code: .constraint,
            message:
              "parent agent \(parent.name) is \(parent.status.rawValue); a finished agent cannot get children",
            path: path)
        }
      }
      // The token's hash goes in with the row (one statement, not an insert and an update).
      try connection.with(tokenHash == nil ? AgentRows.insert : AgentRows.insertWithTokenHash) {
        (statement) throws(StoreError) in
        AgentRows.bind(stored, to: statement)
        if let tokenHash { statement.bind(tokenHash, at: Int32(AgentColumn.allCases.count)) }
        try statement.run()
      }
      _ = try Self.insertEvent(
        StoredEvent(
          id: 0, agentID: stored.id, time: stored.createdAt, type: .created, toStatus: stored.status),
        connection)
      return stored
    }
  }

  /// The agent with this id, or nil.
  public func agent(id: String) throws(StoreError) -> AgentRecord? {
    try database.read { (connection) throws(StoreError) in try Self.fetch(id: id, connection) }
  }

  /// The agent with this name (ignoring ASCII case), or nil.
  public func agent(named name: String) throws(StoreError) -> AgentRecord? {
    try database.read { (connection) throws(StoreError) in
      try connection.with(AgentRows.selectByName) { (statement) throws(StoreError) -> AgentRecord? in
        statement.bind(name, at: 0)
        return try statement.step() ? try AgentRows.record(statement, path: connection.path) : nil
      }
    }
  }

  /// Whether an agent has this name (ignoring ASCII case): the name check of
  /// ``create(_:tokenHash:requireLiveParent:)``, without reading the agent.
  public func nameIsTaken(_ name: String) throws(StoreError) -> Bool {
    try database.read { (connection) throws(StoreError) -> Bool in
      try Self.owner(ofName: name, connection) != nil
    }
  }

  /// The SHA-256 (hex) of agent `id`'s token; nil when the agent does not exist or has no token.
  public func tokenHash(id: String) throws(StoreError) -> String? {
    try database.read { (connection) throws(StoreError) -> String? in
      try connection.with("SELECT token_hash FROM agents WHERE id = ?") {
        (statement) throws(StoreError) -> String? in
        statement.bind(id, at: 0)
        return try statement.step() ? statement.string(0) : nil
      }
    }
  }

  /// The agent whose id is `reference`, else the one whose name is `reference`, or nil.
  public func agent(idOrName reference: String) throws(StoreError) -> AgentRecord? {
    if let record = try agent(id: reference) { return record }
    return try agent(named: reference)
  }

  /// The agents matching `filter`, oldest first (by creation time).
  public func list(_ filter: Filter = Filter()) throws(StoreError) -> [AgentRecord] {
    let (condition, parameters) = Self.whereClause(filter)
    return try records(AgentRows.select + condition + " ORDER BY created_at, rowid", parameters)
  }

  /// How many agents match `filter`.
  public func count(_ filter: Filter = Filter()) throws(StoreError) -> Int {
    let (condition, parameters) = Self.whereClause(filter)
    let sql = "SELECT count(*) FROM agents" + condition
    return try database.read { (connection) throws(StoreError) -> Int in
      try connection.with(sql) { (statement) throws(StoreError) -> Int in
        for (index, value) in parameters.enumerated() { statement.bind(value, at: Int32(index)) }
        return try statement.step() ? Int(statement.int64(0) ?? 0) : 0
      }
    }
  }

  // MARK: Internals

  func transaction(
    id: String, from expected: Set<AgentStatus>?, to status: AgentStatus?, message: String?, data: JSONValue?,
    alsoRecording extra: EventDraft? = nil, _ body: (inout AgentRecord) throws -> Void
  ) throws -> StatusTransition {
    let path = path
    // `body` may throw any error; it is carried out of the typed-throwing transaction by hand.
    var bodyError: (any Error)?
    do {
      return try database.write { (connection) throws(StoreError) -> StatusTransition in
        guard let current = try Self.fetch(id: id, connection) else {
          throw StoreError(code: .notFound, message: "no agent with id \(id)", path: path)
        }
        if let expected, !expected.contains(current.status) {
          return StatusTransition(applied: false, record: current, event: nil)
        }
        var record = current
        do {
          try body(&record)
        } catch {
          bodyError = error
          throw StoreError(code: .sqlite, message: "rolled back: \(error)", path: path)
        }
        if let status { record.status = status }
        let saved = try Self.save(record, replacing: current, message: message, data: data, connection)
        // Only with a change: a retried write that finds its change already made records nothing.
        if let extra, saved.record != current {
          _ = try Self.insertEvent(
            StoredEvent(
              id: 0, agentID: id, time: Self.now(), type: extra.type, fromStatus: nil, toStatus: nil,
              message: extra.message, data: extra.data),
            connection)
        }
        return saved
      }
    } catch {
      if let bodyError { throw bodyError }
      throw error
    }
  }

  /// Writes `record` over `current` (same transaction), with the status bookkeeping and event.
  static func save(
    _ new: AgentRecord, replacing current: AgentRecord, message: String?, data: JSONValue?,
    _ connection: any StoreConnection
  ) throws(StoreError) -> StatusTransition {
    guard new.id == current.id else {
      throw StoreError(
        code: .invalidValue, message: "the id of agent \(current.id) cannot change", path: connection.path)
    }
    guard current.status.canChange(to: new.status) else {
      throw StoreError(
        code: .invalidValue,
        message:
          "agent \(current.id) cannot change from \(current.status.rawValue) to \(new.status.rawValue)",
        path: connection.path)
    }
    var record = normalized(new)
    guard record != current else { return StatusTransition(applied: true, record: current, event: nil) }
    if record.name != current.name {
      try checkNameFree(record.name, for: record.id, connection)
    }
    let now = now()
    let statusChanged = record.status != current.status
    if statusChanged {
      if record.status == .running, record.startedAt == nil { record.startedAt = now }
      if record.status.isTerminal, !current.status.isTerminal, record.finishedAt == current.finishedAt {
        record.finishedAt = now
      }
    }
    record.updatedAt = now
    let stored = record
    try connection.with(AgentRows.update) { (statement) throws(StoreError) in
      AgentRows.bind(stored, to: statement)
      try statement.run()
    }
    var event: StoredEvent?
    if statusChanged {
      event = try insertEvent(
        StoredEvent(
          id: 0, agentID: stored.id, time: now, type: .statusChanged, fromStatus: current.status,
          toStatus: stored.status, message: message, data: data),
        connection)
    }
    return StatusTransition(applied: true, record: stored, event: event)
  }

  static func fetch(id: String, _ connection: any StoreConnection) throws(StoreError) -> AgentRecord? {
    try connection.with(AgentRows.selectByID) { (statement) throws(StoreError) -> AgentRecord? in
      statement.bind(id, at: 0)
      return try statement.step() ? try AgentRows.record(statement, path: connection.path) : nil
    }
  }

  static func checkNameFree(_ name: String, for id: String, _ connection: any StoreConnection)
    throws(StoreError)
  {
    if let owner = try owner(ofName: name, connection), owner != id {
      throw StoreError(
        code: .nameTaken, message: "an agent named \"\(name)\" already exists (id \(owner))",
        path: connection.path)
    }
  }

  /// The id of the agent named `name` (ignoring ASCII case), or nil.
  static func owner(ofName name: String, _ connection: any StoreConnection) throws(StoreError) -> String? {
    try connection.with("SELECT id FROM agents WHERE name = ?") { (statement) throws(StoreError) -> String? in
      statement.bind(name, at: 0)
      return try statement.step() ? statement.string(0) : nil
    }
  }

  static func insertEvent(_ event: StoredEvent, _ connection: any StoreConnection) throws(StoreError)
    -> StoredEvent
  {
    var event = event
    event.time = Date(timeIntervalSince1970: event.time.timeIntervalSince1970)
    let stored = event
    try connection.with(AgentRows.insertEvent) { (statement) throws(StoreError) in
      AgentRows.bind(stored, to: statement)
      try statement.run()
    }
    event.id = try connection.lastInsertedID()
    try notifyEventInserted(connection)
    return event
  }

  static func whereClause(_ filter: Filter) -> (String, [String]) {
    var conditions: [String] = []
    var parameters: [String] = []
    if !filter.includeDismissed { conditions.append("dismissed_at IS NULL") }
    if let provider = filter.provider {
      conditions.append("provider = ?")
      parameters.append(provider)
    }
    if filter.withWorktreeOnly { conditions.append("worktree_path IS NOT NULL") }
    if let parentID = filter.parentID {
      conditions.append("parent_id = ?")
      parameters.append(parentID)
    }
    if let statuses = filter.statuses {
      // One placeholder per status: the SQL text depends only on how many there are.
      let sorted = statuses.map(\.rawValue).sorted()
      conditions.append("status IN (" + sorted.map { _ in "?" }.joined(by: ", ") + ")")
      parameters += sorted
    }
    return (conditions.isEmpty ? "" : " WHERE " + conditions.joined(by: " AND "), parameters)
  }

  /// Now, exactly as it reads back from the database.
  static func now() -> Date { Date(timeIntervalSince1970: Date().timeIntervalSince1970) }

  /// `record` with every time exactly as it reads back from the database (seconds since 1970 as a
  /// `Double`), so that stored and returned records compare equal.
  static func normalized(_ record: AgentRecord) -> AgentRecord {
    func exact(_ date: Date) -> Date { Date(timeIntervalSince1970: date.timeIntervalSince1970) }
    var record = record
    record.createdAt = exact(record.createdAt)
    record.updatedAt = exact(record.updatedAt)
    record.startedAt = record.startedAt.map(exact)
    record.finishedAt = record.finishedAt.map(exact)
    record.dismissedAt = record.dismissedAt.map(exact)
    return record
  }
}
