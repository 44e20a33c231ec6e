import JSONKit
import StateStore

extension AgentStore {
  /// Whether agent `parentID` has a child that reports to it and whose status is none of
  /// `settled` (dismissed children included): one short query, for the check a supervisor makes
  /// each time its agent's turn ends, where listing the children's whole records cost a statement
  /// of every column prepared for that alone.
  public func hasReportingChild(of parentID: String, notIn settled: Set<AgentStatus>) throws(StoreError)
    -> Bool
  {
    let statuses = settled.map(\.rawValue).sorted()
    var sql = "SELECT 1 FROM agents WHERE parent_id = ? AND reports_to_parent <> 0"
    if !statuses.isEmpty { sql += " AND status NOT IN (" + statuses.map { _ in "?" }.joined(by: ", ") + ")" }
    sql += " LIMIT 1"
    return try database.read { (connection) throws(StoreError) -> Bool in
      try connection.with(sql) { (statement) throws(StoreError) -> Bool in
        statement.bind(parentID, at: 0)
        for (index, status) in statuses.enumerated() { statement.bind(status, at: Int32(index + 1)) }
        return try statement.step()
      }
    }
  }
}
