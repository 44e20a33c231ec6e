import StateStore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

extension AgentStore {
  /// Makes every agent recorded as supervised on machine `other` this machine's (`mine`), in one
  /// write: for a machine that is gone for good.
  ///
  /// - Returns: how many agents changed hands.
  func takeOver(machine other: String, as mine: String) throws(StoreError) -> Int {
    let now = Self.now().timeIntervalSince1970
    return try database.write { (connection) throws(StoreError) -> Int in
      try connection.with("UPDATE agents SET machine = ?, updated_at = ? WHERE machine = ?") {
        (statement) throws(StoreError) -> Int in
        statement.bind(mine, at: 0)
        statement.bind(now, at: 1)
        statement.bind(other, at: 2)
        try statement.run()
        return connection.changes
      }
    }
  }
}
