import StateStore

extension AgentStore {
  /// The agents `sql` (a ``AgentRows/select`` with its conditions) reads, with `parameters` bound.
  func records(_ sql: String, _ parameters: [String]) throws(StoreError) -> [AgentRecord] {
    try database.read { (connection) throws(StoreError) -> [AgentRecord] in
      try connection.with(sql) { (statement) throws(StoreError) -> [AgentRecord] in
        for (index, value) in parameters.enumerated() { statement.bind(value, at: Int32(index)) }
        var records: [AgentRecord] = []
        while try statement.step() { records.append(try AgentRows.record(statement, path: connection.path)) }
        return records
      }
    }
  }
}
