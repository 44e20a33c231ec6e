import JSONKit
import StateStore

/// Which settlements of a child were reported to its parent: the parent's `child_reported` events,
/// one per settlement, keyed by the child's id and the id of the `status_changed` event that
/// settled it. The report is the parent's inbox message; the event is what says it was made, so a
/// report lost with its supervisor (killed between settling and reporting) is found and made again,
/// and one made twice is recorded once.
extension AgentStore {
  /// The event type of a report.
  static let childReported: StoredEvent.EventType = "child_reported"

  /// The children of `parentID` that report to it (dismissed ones included) and whose status is one
  /// of `statuses`, in the order they were made.
  func reportingChildren(of parentID: String, in statuses: Set<AgentStatus>) throws(StoreError)
    -> [AgentRecord]
  {
    let values = statuses.map(\.rawValue).sorted()
    guard !values.isEmpty else { return [] }
    let sql =
      AgentRows.select + " WHERE parent_id = ? AND reports_to_parent <> 0 AND status IN ("
      + values.map { _ in "?" }.joined(by: ", ") + ") ORDER BY created_at, rowid"
    return try records(sql, [parentID] + values)
  }

  /// Which settlement agent `id` is in: the id of its latest `status_changed` event (nil when it
  /// has none, or there is no such agent).
  func lastStatusChangeID(of id: String) throws(StoreError) -> Int64? {
    try database.read { (connection) throws(StoreError) -> Int64? in
      try connection.with("SELECT max(id) FROM events WHERE agent_id = ? AND type = ?") {
        (statement) throws(StoreError) -> Int64? in
        statement.bind(id, at: 0)
        statement.bind(StoredEvent.EventType.statusChanged.rawValue, at: 1)
        return try statement.step() ? statement.int64(0) : nil
      }
    }
  }

  /// The reports made to `parentID` so far.
  func childReports(to parentID: String) throws(StoreError) -> ChildReports {
    try database.read { (connection) throws(StoreError) -> ChildReports in
      try Self.childReports(to: parentID, connection)
    }
  }

  /// Records the report of `child`'s settlement `settlement` to `parentID` (a `child_reported`
  /// event on the parent, with `message`), unless it was recorded already — checked and written in
  /// one write transaction.
  ///
  /// - Returns: whether it was recorded now; false when it had been, or the parent is gone.
  @discardableResult
  func recordChildReport(
    parentID: String, child: AgentRecord, settlement: Int64, message: String
  ) throws(StoreError) -> Bool {
    let data = JSONObject(
      keys: ["child", "status", "child_id", "settlement"],
      values: [
        .string(child.name), .string(child.status.rawValue), .string(child.id), .number(Double(settlement)),
      ])
    let event = StoredEvent(
      id: 0, agentID: parentID, time: Self.now(), type: Self.childReported, message: message,
      data: .object(data))
    return try database.write { (connection) throws(StoreError) -> Bool in
      guard try Self.fetch(id: parentID, connection) != nil,
        try !Self.childReports(to: parentID, connection).contains(child, settlement: settlement)
      else { return false }
      _ = try Self.insertEvent(event, connection)
      return true
    }
  }

  private static func childReports(to parentID: String, _ connection: any StoreConnection) throws(StoreError)
    -> ChildReports
  {
    try connection.with("SELECT data FROM events WHERE agent_id = ? AND type = ?") {
      (statement) throws(StoreError) -> ChildReports in
      statement.bind(parentID, at: 0)
      statement.bind(childReported.rawValue, at: 1)
      var reports = ChildReports()
      while try statement.step() {
        guard let text = statement.string(0), case .object(let data)? = try? JSONParser.parse(text) else {
          continue
        }
        reports.add(data)
      }
      return reports
    }
  }
}

/// The reports a parent got: which settlements of which children (see ``AgentStore/childReports(to:)``).
struct ChildReports: Sendable {
  private var keyed: Set<String> = []
  /// Reports written before they were keyed: the child's name and status.
  private var unkeyed: Set<String> = []

  /// Adds the report whose `child_reported` event carries `data`.
  mutating func add(_ data: JSONObject) {
    if let childID = data["child_id"]?.stringValue, let settlement = data["settlement"]?.intValue {
      keyed.insert("\(childID) \(settlement)")
    } else if let name = data["child"]?.stringValue, let status = data["status"]?.stringValue {
      unkeyed.insert("\(name) \(status)")
    }
  }

  /// Whether `child`'s settlement `settlement` was reported. Reports written before they were
  /// keyed (no `settlement`) count by the child's name and status.
  func contains(_ child: AgentRecord, settlement: Int64) -> Bool {
    keyed.contains("\(child.id) \(settlement)") || unkeyed.contains("\(child.name) \(child.status.rawValue)")
  }
}
