import StateStore

extension AgentStore {
  /// What a reconcile pass checks, in one read: the agents that should have a live process
  /// (`starting`, `running`, `waiting_for_account`), then those waiting for input that have a
  /// worktree (often most of a busy home waits without one, and is not even loaded) — each group in
  /// the order the agents were made; dismissed ones included.
  func reconcileCandidates() throws(StoreError) -> [AgentRecord] {
    let live = [AgentStatus.starting, .running, .waitingForAccount].map(\.rawValue).sorted()
    let waiting = AgentStatus.waitingForInput.rawValue
    return try records(Self.reconcileCandidatesSQL, live + [waiting, waiting])
  }

  /// ``reconcileCandidates()``'s query: seeks in `agents_by_status_worktree`, one per status.
  static let reconcileCandidatesSQL =
    AgentRows.select + " WHERE status IN (?, ?, ?) OR (status = ? AND worktree_path IS NOT NULL)"
    + " ORDER BY status = ?, created_at, rowid"
}
