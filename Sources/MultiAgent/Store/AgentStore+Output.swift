import StateStore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Committing a supervisor's parsed output: idempotent by its log offsets, so that a write retried
/// after a lost reply (PostgreSQL: the COMMIT may have been applied) is never applied twice.
extension AgentStore {
  /// What ``commitOutput(id:from:to:_:)`` did.
  enum OutputCommit: Equatable, Sendable {
    /// The stored offset was `from`: the output was folded in and the offset moved to `to`.
    case applied
    /// The stored offset already was `to`: this very commit was applied before (its reply was
    /// lost); nothing was written.
    case alreadyApplied
    /// The stored offset was neither (another writer moved it): nothing was written.
    case moved(Int64)
  }

  /// Folds the output parsed from the log between byte offsets `from` and `to` into the agent's
  /// record (`fold`, when it changes anything but the offset) and sets its parse offset to `to`,
  /// in one write transaction — only when the stored offset is still `from`. The offsets are the
  /// commit's idempotency key: run again after it committed, it finds `to` and changes nothing.
  ///
  /// With `onlyIf`, the record must also pass it (read in the same transaction), or nothing is
  /// written and the outcome is ``OutputCommit/moved(_:)``: another writer took the agent over.
  ///
  /// - Returns: what it did (see ``OutputCommit``).
  /// - Throws: `StoreError` (`notFound` when there is no such agent, `unavailable`, …).
  func commitOutput(
    id: String, from: Int64, to: Int64, onlyIf condition: ((AgentRecord) -> Bool)? = nil,
    _ fold: ((inout AgentRecord) -> Void)? = nil
  ) throws(StoreError) -> OutputCommit {
    let path = path
    return try database.write { (connection) throws(StoreError) -> OutputCommit in
      if fold == nil && condition == nil {
        // Only the offset moves: one conditional UPDATE, no read of the record.
        if try Self.moveOffset(id: id, from: from, to: to, connection) { return .applied }
        return try Self.offsetOutcome(id: id, to: to, connection)
      }
      guard let current = try Self.fetch(id: id, connection) else {
        throw StoreError(code: .notFound, message: "no agent with id \(id)", path: path)
      }
      guard current.parseOffset == from else {
        return current.parseOffset == to ? .alreadyApplied : .moved(current.parseOffset)
      }
      if let condition, !condition(current) { return .moved(current.parseOffset) }
      var record = current
      fold?(&record)
      record.parseOffset = to
      _ = try Self.save(record, replacing: current, message: nil, data: nil, connection)
      return .applied
    }
  }

  private static func moveOffset(id: String, from: Int64, to: Int64, _ connection: any StoreConnection)
    throws(StoreError) -> Bool
  {
    let now = Self.now().timeIntervalSince1970
    return try connection.with(
      "UPDATE agents SET parse_offset = ?, updated_at = ? WHERE id = ? AND parse_offset = ?"
    ) { (statement) throws(StoreError) -> Bool in
      statement.bind(to, at: 0)
      statement.bind(now, at: 1)
      statement.bind(id, at: 2)
      statement.bind(from, at: 3)
      try statement.run()
      return connection.changes > 0
    }
  }

  /// Why an offset-only commit did not apply: it had been (`to` is stored), or another writer moved
  /// the offset.
  private static func offsetOutcome(id: String, to: Int64, _ connection: any StoreConnection)
    throws(StoreError) -> OutputCommit
  {
    let stored = try connection.with("SELECT parse_offset FROM agents WHERE id = ?") {
      (statement) throws(StoreError) -> Int64? in
      statement.bind(id, at: 0)
      return try statement.step() ? statement.int64(0) ?? 0 : nil
    }
    guard let stored else {
      throw StoreError(code: .notFound, message: "no agent with id \(id)", path: connection.path)
    }
    return stored == to ? .alreadyApplied : .moved(stored)
  }
}
