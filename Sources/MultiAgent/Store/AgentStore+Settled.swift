import JSONKit
import StateStore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

extension AgentStore {
  /// The ids and parse offsets of the agents in a terminal status (completed, failed, stopped,
  /// crashed) whose record changed at or after `since`, dismissed ones included: a narrow read, as
  /// every command's reconcile makes it.
  func settledParseOffsets(since: Date) throws(StoreError) -> [(id: String, parseOffset: Int64)] {
    try database.read { (connection) throws(StoreError) -> [(id: String, parseOffset: Int64)] in
      try connection.with(Self.settledSQL) {
        (statement) throws(StoreError) -> [(id: String, parseOffset: Int64)] in
        statement.bind(since.timeIntervalSince1970, at: 0)
        for (index, status) in Self.terminalStatuses.enumerated() {
          statement.bind(status, at: Int32(index + 1))
        }
        var rows: [(id: String, parseOffset: Int64)] = []
        while try statement.step() {
          if let id = statement.string(0) { rows.append((id, statement.int64(1) ?? 0)) }
        }
        return rows
      }
    }
  }

  /// The terminal statuses, in the order ``settledSQL`` takes them.
  static let terminalStatuses = AgentStatus.allCases.filter(\.isTerminal).map(\.rawValue).sorted()

  /// ``settledParseOffsets(since:)``'s query: a range of `agents_by_status` per terminal status.
  static let settledSQL =
    "SELECT id, parse_offset FROM agents WHERE updated_at >= ? AND status IN ("
    + terminalStatuses.map { _ in "?" }.joined(by: ", ") + ")"
}
