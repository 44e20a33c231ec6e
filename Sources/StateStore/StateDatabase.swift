import Synchronization

/// The state database (`<home>/state.db`): one migrated ``SQLiteConnection`` behind a mutex, shared
/// by the stores built on it (agents and accounts). Each store brings its own tables as a
/// ``StoreSchema``; opening the database brings those up to date (see ``migrate(_:_:)``).
///
/// Every process (and every thread that wants its own connection) opens its own `StateDatabase`;
/// SQLite's file locks, the busy timeout and the retries here coordinate them.
///
/// `@unchecked Sendable`: the connection (and its cached statements) is only touched while `lock`
/// is held, in ``read(_:)`` and ``write(_:)``.
package final class StateDatabase: @unchecked Sendable {
  /// The database file.
  package let path: String
  private let lock = Mutex(())
  private let connection: SQLiteConnection

  /// Opens the database at `path` (creating it, mode 0600, when missing) and brings the tables of
  /// `schemas` up to date.
  ///
  /// - Parameters:
  ///   - path: the database file; its folder must exist.
  ///   - schemas: the components the caller uses, in the order their steps are applied; other
  ///     components in the file are left as they are.
  ///   - busyTimeout: how long SQLite waits for a lock on each attempt.
  ///   - retryLimit: how long to keep retrying a locked database after that.
  package init(
    path: String, schemas: [StoreSchema], busyTimeout: Duration = .seconds(15),
    retryLimit: Duration = .seconds(60)
  ) throws(StoreError) {
    let connection = try SQLiteConnection.open(path: path, busyTimeout: busyTimeout, retryLimit: retryLimit)
    try Self.migrate(connection, schemas)
    self.path = path
    self.connection = connection
  }

  /// Runs `body`, which only reads, under the lock. Repeats it while the database is busy, so it
  /// must have no effects besides reading.
  package func read<T: Sendable>(_ body: (SQLiteConnection) throws(StoreError) -> T) throws(StoreError) -> T {
    try lock.withLock { _ throws(StoreError) -> T in
      try connection.retryingWhileBusy { () throws(StoreError) -> T in try body(connection) }
    }
  }

  /// Runs `body` in one `BEGIN IMMEDIATE` transaction under the lock; rolls back when it throws.
  /// `body` runs once: only acquiring the lock and committing are retried.
  package func write<T: Sendable>(_ body: (SQLiteConnection) throws(StoreError) -> T) throws(StoreError) -> T
  {
    try lock.withLock { _ throws(StoreError) -> T in
      try connection.immediateTransaction { () throws(StoreError) -> T in try body(connection) }
    }
  }
}
