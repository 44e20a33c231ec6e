import JSONKit
import StateStore

/// Which settlements of a child were reported to its parent: the parent's `child_reported` events,
/// one per settlement, keyed by the child's id and the id of the `status_changed` event that
/// settled it. The report is the parent's inbox message; the event is what says it was made, so a
/// report lost with its supervisor (killed between settling and reporting) is found and made again,
/// and one tried twice is made once.
extension AgentStore {
  /// The event type of a report.
  static let childReported: StoredEvent.EventType = "child_reported"

  /// A child that reports to its parent, as far as telling whether its settlement was reported
  /// needs it.
  struct ReportingChild: Sendable {
    var id: String
    var name: String
    var status: AgentStatus?
    /// The id of its latest `status_changed` event (nil: none).
    var settlement: Int64?
  }

  /// The children of `parentID` that report to it (dismissed ones included) and whose status is one
  /// of `statuses`, each with its settlement: one narrow query, made at the end of every turn.
  func reportingChildren(of parentID: String, in statuses: Set<AgentStatus>) throws(StoreError)
    -> [ReportingChild]
  {
    let values = statuses.map(\.rawValue).sorted()
    guard !values.isEmpty else { return [] }
    let sql =
      "SELECT id, name, status, (SELECT max(id) FROM events WHERE events.agent_id = agents.id AND type = ?)"
      + " FROM agents WHERE parent_id = ? AND reports_to_parent <> 0 AND status IN ("
      + values.map { _ in "?" }.joined(by: ", ") + ") ORDER BY created_at, rowid"
    return try database.read { (connection) throws(StoreError) -> [ReportingChild] in
      try connection.with(sql) { (statement) throws(StoreError) -> [ReportingChild] in
        for (index, value) in ([StoredEvent.EventType.statusChanged.rawValue, parentID] + values).enumerated()
        {
          statement.bind(value, at: Int32(index))
        }
        var children: [ReportingChild] = []
        while try statement.step() {
          children.append(
            ReportingChild(
              id: statement.string(0) ?? "", name: statement.string(1) ?? "",
              status: statement.string(2).flatMap(AgentStatus.init(rawValue:)), settlement: statement.int64(3)
            ))
        }
        return children
      }
    }
  }

  /// The reports made to `parentID` so far.
  func childReports(to parentID: String) throws(StoreError) -> ChildReports {
    try database.read { (connection) throws(StoreError) -> ChildReports in
      try Self.childReports(to: parentID, connection)
    }
  }

  /// Reports child `childID`'s current settlement to `parentID`, once: in one write transaction,
  /// reads the child and its settlement and — when it reports to `parentID`, is in one of
  /// `statuses`, the parent exists and this settlement was not reported — calls `deliver` with
  /// them (it sends the report, and returns the event's message) and records the `child_reported`
  /// event. Two reporters at once (the child's supervisor, the parent's catch-up, a reconcile) make
  /// one report: the second finds the first's event.
  ///
  /// - Returns: whether the report was made now.
  /// - Throws: what `deliver` throws (nothing is recorded), or `StoreError`.
  @discardableResult
  func reportChild(
    _ childID: String, to parentID: String, in statuses: Set<AgentStatus>,
    deliver: (AgentRecord, Int64) throws -> String
  ) throws -> Bool {
    var deliverError: (any Error)?
    let path = path
    do {
      return try database.write { (connection) throws(StoreError) -> Bool in
        guard let child = try Self.fetch(id: childID, connection), child.reportsToParent,
          child.parentID == parentID, statuses.contains(child.status),
          let settlement = try Self.lastStatusChange(of: childID, connection),
          try Self.fetch(id: parentID, connection) != nil,
          try !Self.childReports(to: parentID, connection).contains(
            ReportingChild(id: child.id, name: child.name, status: child.status, settlement: settlement))
        else { return false }
        let message: String
        do { message = try deliver(child, settlement) } catch {
          deliverError = error
          throw StoreError(code: .sqlite, message: "rolled back: \(error)", path: path)
        }
        let data = JSONObject(
          keys: ["child", "status", "child_id", "settlement"],
          values: [
            .string(child.name), .string(child.status.rawValue), .string(child.id),
            .number(Double(settlement)),
          ])
        _ = try Self.insertEvent(
          StoredEvent(
            id: 0, agentID: parentID, time: Self.now(), type: Self.childReported, message: message,
            data: .object(data)),
          connection)
        return true
      }
    } catch {
      if let deliverError { throw deliverError }
      throw error
    }
  }

  private static func lastStatusChange(of id: String, _ connection: any StoreConnection) throws(StoreError)
    -> Int64?
  {
    try connection.with("SELECT max(id) FROM events WHERE agent_id = ? AND type = ?") {
      (statement) throws(StoreError) -> Int64? in
      statement.bind(id, at: 0)
      statement.bind(StoredEvent.EventType.statusChanged.rawValue, at: 1)
      return try statement.step() ? statement.int64(0) : nil
    }
  }

  private static func childReports(to parentID: String, _ connection: any StoreConnection) throws(StoreError)
    -> ChildReports
  {
    try connection.with("SELECT id, data FROM events WHERE agent_id = ? AND type = ?") {
      (statement) throws(StoreError) -> ChildReports in
      statement.bind(parentID, at: 0)
      statement.bind(childReported.rawValue, at: 1)
      var reports = ChildReports()
      while try statement.step() {
        guard let text = statement.string(1), case .object(let data)? = try? JSONParser.parse(text) else {
          continue
        }
        reports.add(data, event: statement.int64(0) ?? 0)
      }
      return reports
    }
  }
}

/// The reports a parent got: which settlements of which children (see ``AgentStore/childReports(to:)``).
struct ChildReports: Sendable {
  private var keyed: Set<String> = []
  /// Reports written before they were keyed: the child's name and status → the newest such
  /// report's event id.
  private var unkeyed: [String: Int64] = [:]

  /// Adds the report whose `child_reported` event (`event`) carries `data`.
  mutating func add(_ data: JSONObject, event: Int64) {
    if let childID = data["child_id"]?.stringValue, let settlement = data["settlement"]?.intValue {
      keyed.insert("\(childID) \(settlement)")
    } else if let name = data["child"]?.stringValue, let status = data["status"]?.stringValue {
      unkeyed["\(name) \(status)", default: 0] = max(unkeyed["\(name) \(status)", default: 0], event)
    }
  }

  /// Whether `child`'s settlement was reported. A report written before reports were keyed (no
  /// `settlement`) counts when it names the child and its status and came after that settlement
  /// (event ids only grow).
  func contains(_ child: AgentStore.ReportingChild) -> Bool {
    guard let settlement = child.settlement else { return false }
    if keyed.contains("\(child.id) \(settlement)") { return true }
    guard let status = child.status, let event = unkeyed["\(child.name) \(status.rawValue)"] else {
      return false
    }
    return event > settlement
  }
}
