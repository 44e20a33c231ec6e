import Foundation
import ProviderKit
import StateStore

/// The latest reading of each of an account's usage windows.
public struct AccountQuota: Sendable, Hashable {
  /// The window as read.
  public var window: QuotaReading.Window
  /// When it was read.
  public var readAt: Date

  /// A stored reading.
  public init(window: QuotaReading.Window, readAt: Date) {
    self.window = window
    self.readAt = readAt
  }
}

extension AccountStore {
  /// Keeps `reading` as the account's latest for each window it holds (windows it does not hold
  /// keep their earlier reading). A reading for an account that no longer exists is dropped.
  public func recordQuota(accountID: String, _ reading: QuotaReading, at now: Date = Date())
    throws(StoreError)
  {
    guard !reading.windows.isEmpty else { return }
    try database.write { (connection) throws(StoreError) in
      guard try Self.fetch(id: accountID, connection) != nil else { return }
      for window in reading.windows {
        try connection.with(
          """
          INSERT INTO account_quota (account_id, "window", utilization, resets_at, status, window_minutes, read_at)
          VALUES (?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (account_id, "window") DO UPDATE SET utilization = excluded.utilization,
            resets_at = excluded.resets_at, status = excluded.status,
            window_minutes = excluded.window_minutes, read_at = excluded.read_at
          """
        ) { (statement) throws(StoreError) in
          statement.bind(accountID, at: 0)
          statement.bind(window.name, at: 1)
          statement.bind(window.utilization, at: 2)
          statement.bind(window.resetsAt?.timeIntervalSince1970, at: 3)
          statement.bind(window.status, at: 4)
          statement.bind(window.windowMinutes, at: 5)
          statement.bind(now.timeIntervalSince1970, at: 6)
          try statement.run()
        }
      }
    }
  }

  /// The account's latest readings, one per window, by window name.
  public func quota(accountID: String) throws(StoreError) -> [AccountQuota] {
    try database.read { (connection) throws(StoreError) -> [AccountQuota] in
      try connection.with(
        """
        SELECT "window", utilization, resets_at, status, window_minutes, read_at FROM account_quota
        WHERE account_id = ? ORDER BY "window"
        """
      ) { (statement) throws(StoreError) -> [AccountQuota] in
        statement.bind(accountID, at: 0)
        var result: [AccountQuota] = []
        while try statement.step() {
          let window = QuotaReading.Window(
            name: statement.string(0) ?? "", utilization: statement.double(1) ?? 0,
            resetsAt: statement.double(2).map(Date.init(timeIntervalSince1970:)), status: statement.string(3),
            windowMinutes: statement.int64(4).map { Int($0) })
          result.append(
            AccountQuota(window: window, readAt: Date(timeIntervalSince1970: statement.double(5) ?? 0)))
        }
        return result
      }
    }
  }
}
