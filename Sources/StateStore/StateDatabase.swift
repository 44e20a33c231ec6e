import Synchronization

/// The state database: one migrated connection behind a mutex, shared by the stores built on it
/// (agents, accounts, hosts). The connection is SQLite (`<home>/state.db`, the default) or
/// PostgreSQL (a server several controllers share); the stores' code is the same on both (see
/// ``StoreConnection``). Each store brings its own tables as a ``StoreSchema``; opening the
/// database brings those up to date (see ``migrate(_:_:)``).
///
/// Every process (and every thread that wants its own connection) opens its own `StateDatabase`;
/// SQLite's file locks or PostgreSQL's advisory lock, the timeouts and the retries here coordinate
/// them.
///
/// `@unchecked Sendable`: the connection (and its cached statements) is only touched while `lock`
/// is held, in ``read(_:)`` and ``write(_:)``.
package final class StateDatabase: @unchecked Sendable {
  /// The database file, or the PostgreSQL URL without its password: for messages.
  package let path: String
  /// Which engine holds the state.
  package let engine: StoreEngine
  private let lock = Mutex(())
  private let connection: any StoreConnection

  /// Opens the SQLite database at `path` (creating it, mode 0600, when missing) and brings the tables
  /// of `schemas` up to date.
  ///
  /// - Parameters:
  ///   - path: the database file; its folder must exist.
  ///   - schemas: the components the caller uses, in the order their steps are applied; other
  ///     components in the file are left as they are.
  ///   - busyTimeout: how long SQLite waits for a lock on each attempt.
  ///   - retryLimit: how long to keep retrying a locked database after that.
  package convenience init(
    path: String, schemas: [StoreSchema], busyTimeout: Duration = .seconds(15),
    retryLimit: Duration = .seconds(60)
  ) throws(StoreError) {
    try self.init(
      location: .sqlite(path: path), schemas: schemas, busyTimeout: busyTimeout, retryLimit: retryLimit)
  }

  /// Opens the database at `location` and brings the tables of `schemas` up to date.
  ///
  /// - Parameters:
  ///   - location: a SQLite file (created, mode 0600, when missing) or a PostgreSQL server.
  ///   - schemas: the components the caller uses, in the order their steps are applied.
  ///   - busyTimeout: how long to wait for the write lock on each attempt (SQLite's busy timeout;
  ///     PostgreSQL's statement timeout is this, its lock timeout half of it).
  ///   - retryLimit: how long to keep retrying a locked database after that.
  ///   - postgresTimeouts: PostgreSQL's timeouts, when not the defaults with `busyTimeout` and
  ///     `retryLimit` (tests of a cut-off link shorten them).
  package init(
    location: StoreLocation, schemas: [StoreSchema], busyTimeout: Duration = .seconds(15),
    retryLimit: Duration = .seconds(60), postgresTimeouts: PostgresConnection.Timeouts? = nil
  ) throws(StoreError) {
    switch location {
    case .sqlite(let path):
      let sqlite = try SQLiteConnection.open(path: path, busyTimeout: busyTimeout, retryLimit: retryLimit)
      try Self.migrate(sqlite, schemas)
      connection = sqlite
    case .postgres(let url):
      let timeouts =
        postgresTimeouts ?? PostgresConnection.Timeouts(statement: busyTimeout, retryLimit: retryLimit)
      let postgres = try PostgresConnection.open(url: url, timeouts: timeouts)
      try Self.migrate(postgres, schemas)
      connection = postgres
    }
    path = connection.path
    engine = location.engine
  }

  /// A connection of its own that listens on `channel`, when the store is PostgreSQL (nil on
  /// SQLite, which has no notifications: followers poll it).
  package func listener(on channel: String) throws(StoreError) -> PostgresConnection? {
    guard let postgres = connection as? PostgresConnection else { return nil }
    return try postgres.listener(on: channel)
  }

  /// Copies SQLite's log into the database and empties it, so that deleted or replaced rows leave
  /// no copy in the log (see ``SQLiteConnection/checkpointAndTruncateLog()``); nothing on
  /// PostgreSQL, whose files are the server's.
  package func forgetOverwrittenRows() throws(StoreError) {
    guard let sqlite = connection as? SQLiteConnection else { return }
    try lock.withLock { _ throws(StoreError) in try sqlite.checkpointAndTruncateLog() }
  }

  /// Starts SQLite's log over when no other process uses the database at that moment (see
  /// ``SQLiteConnection/restartLogIfIdle()``; it never waits); nothing on PostgreSQL.
  package func restartLogIfIdle() {
    guard let sqlite = connection as? SQLiteConnection else { return }
    lock.withLock { _ in sqlite.restartLogIfIdle() }
  }

  /// Runs `body`, which only reads, under the lock. Repeats it while the database is busy, so it
  /// must have no effects besides reading.
  package func read<T: Sendable>(_ body: (any StoreConnection) throws(StoreError) -> T) throws(StoreError)
    -> T
  {
    try lock.withLock { _ throws(StoreError) -> T in
      try connection.retryingWhileBusy { () throws(StoreError) -> T in try body(connection) }
    }
  }

  /// Runs `body` in one write-locked transaction (SQLite's `BEGIN IMMEDIATE`, PostgreSQL's advisory
  /// lock) under the lock; rolls back when it throws. `body` runs once: only acquiring the lock and
  /// committing are retried.
  package func write<T: Sendable>(_ body: (any StoreConnection) throws(StoreError) -> T) throws(StoreError)
    -> T
  {
    try lock.withLock { _ throws(StoreError) -> T in
      try connection.immediateTransaction { () throws(StoreError) -> T in try body(connection) }
    }
  }
}
