import StateStore

extension AgentStore {
  /// What a reconcile pass checks, in one read: the agents that should have a live process
  /// (`starting`, `running`, `waiting_for_account`), then those waiting for input that have a
  /// worktree (often most of a busy home waits without one, and is not even loaded) — each group in
  /// the order the agents were made; dismissed ones included.
  func reconcileCandidates() throws(StoreError) -> [AgentRecord] {
    let live = [AgentStatus.starting, .running, .waitingForAccount].map(\.rawValue).sorted()
    let waiting = AgentStatus.waitingForInput.rawValue
    let sql =
      AgentRows.select + " WHERE status IN (?, ?, ?) OR (status = ? AND worktree_path IS NOT NULL)"
      + " ORDER BY status = ?, created_at, rowid"
    return try database.read { (connection) throws(StoreError) -> [AgentRecord] in
      try connection.with(sql) { (statement) throws(StoreError) -> [AgentRecord] in
        for (index, value) in (live + [waiting, waiting]).enumerated() {
          statement.bind(value, at: Int32(index))
        }
        var records: [AgentRecord] = []
        while try statement.step() { records.append(try AgentRows.record(statement, path: connection.path)) }
        return records
      }
    }
  }
}
