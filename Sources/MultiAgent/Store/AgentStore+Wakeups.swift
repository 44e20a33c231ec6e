import StateStore
import Synchronization

/// Waking followers of the events table when the store can say that something was written.
extension AgentStore {
  /// The PostgreSQL channel every event insert notifies (on commit).
  static let eventsChannel = "multiagent_events"

  /// Tells listeners that an event was inserted; PostgreSQL only (on SQLite followers poll).
  static func notifyEventInserted(_ connection: any StoreConnection) throws(StoreError) {
    guard let postgres = connection as? PostgresConnection else { return }
    try postgres.notify(eventsChannel)
  }

  /// A wake-up for a follower of the events table: on PostgreSQL, a connection that listens for
  /// inserted events; nil on SQLite (and when the listener cannot connect), where followers keep
  /// polling on their own.
  public func eventSignal() -> EventSignal? {
    guard let listener = try? database.listener(on: Self.eventsChannel) else { return nil }
    return EventSignal(listener)
  }
}

/// Wakes a follower soon after an event is stored, so it need not poll often: only a wake-up — the
/// follower reads the table itself afterwards, and one lost signal only delays it until its
/// timeout.
public final class EventSignal: Sendable {
  private let listener: Mutex<PostgresConnection>

  init(_ listener: sending PostgresConnection) {
    self.listener = Mutex(listener)
  }

  /// Waits until an event was stored since the last call, or `timeout` passes.
  ///
  /// - Returns: whether an event was signalled (false: the timeout passed).
  @discardableResult
  public func wait(timeout: Duration) -> Bool {
    listener.withLock { $0.waitForNotification(timeout: timeout) }
  }
}
