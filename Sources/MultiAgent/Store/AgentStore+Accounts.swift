import Credentials
import StateStore

/// What the agents say about the accounts they run on.
extension AgentStore {
  /// The agents not yet done that run on an account, named by id (`?1`) or by label (`?3`) within
  /// its provider (`?2`).
  static let countAgentsUsing =
    "SELECT count(*) FROM agents WHERE (account = ?1 OR (provider = ?2 AND account = ?3)) "
    + "AND status NOT IN ('completed', 'failed', 'stopped', 'crashed')"

  /// How many agents that are not done (not completed, failed, stopped or crashed) run on
  /// `account`, naming it by id or by label.
  public func activeAgentCount(using account: Account) throws(StoreError) -> Int {
    try database.read { (connection) throws(StoreError) -> Int in
      try connection.with(Self.countAgentsUsing) { (statement) throws(StoreError) -> Int in
        statement.bind(account.id, at: 0)
        statement.bind(account.provider, at: 1)
        statement.bind(account.label, at: 2)
        return try statement.step() ? Int(statement.int64(0) ?? 0) : 0
      }
    }
  }
}
