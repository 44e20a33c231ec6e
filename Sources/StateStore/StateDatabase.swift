import Synchronization

/// The state database (`<home>/state.db`): one migrated ``SQLiteConnection`` behind a mutex, shared
/// by the stores built on it (``AgentStore`` now, accounts later).
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

  /// Opens the database at `path` (creating it, mode 0600, when missing) and brings its schema up to
  /// date.
  ///
  /// - Parameters:
  ///   - path: the database file; its folder must exist.
  ///   - busyTimeout: how long SQLite waits for a lock on each attempt.
  ///   - retryLimit: how long to keep retrying a locked database after that.
  package init(path: String, busyTimeout: Duration = .seconds(15), retryLimit: Duration = .seconds(60))
    throws(StoreError)
  {
    let connection = try SQLiteConnection.open(path: path, busyTimeout: busyTimeout, retryLimit: retryLimit)
    try Self.migrate(connection)
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

  /// The schema version of the file (`PRAGMA user_version`).
  package var schemaVersion: Int {
    get throws(StoreError) {
      try read { (connection) throws(StoreError) -> Int in try Self.userVersion(connection) }
    }
  }

  // MARK: Migrations

  /// Applies every pending migration in one `BEGIN IMMEDIATE` transaction. Many processes may open
  /// a fresh file at once: each re-reads the version once it holds the write lock, so exactly one
  /// of them migrates and the others find nothing to do.
  package static func migrate(_ connection: SQLiteConnection, to target: Int = StoreSchema.currentVersion)
    throws(StoreError)
  {
    let version = try connection.retryingWhileBusy { () throws(StoreError) -> Int in
      try check(connection, target: target)
    }
    guard version < target else { return }
    try connection.immediateTransaction { () throws(StoreError) in
      let version = try check(connection, target: target)
      guard version < target else { return }
      if version == 0 {
        let objects = try connection.query("SELECT count(*) FROM sqlite_schema") { $0.int64(0) ?? 0 }
        guard objects.first == 0 else {
          throw StoreError(
            code: .corrupt,
            message: "is a SQLite database of another application (it has tables but no multiagent "
              + "schema version); move it away to start afresh",
            path: connection.path)
        }
      }
      for migration in StoreSchema.migrations where migration.version > version && migration.version <= target
      {
        try migration.apply(connection)
      }
      // PRAGMA takes no parameters; both values are constants of this program, not data.
      try connection.execute(
        "PRAGMA application_id = \(StoreSchema.applicationID); PRAGMA user_version = \(target)")
    }
  }

  /// The file's schema version, after checking that it is ours and not newer than `target`.
  private static func check(_ connection: SQLiteConnection, target: Int) throws(StoreError) -> Int {
    let application = try connection.query("PRAGMA application_id") { $0.int64(0) ?? 0 }.first ?? 0
    guard application == 0 || application == Int64(StoreSchema.applicationID) else {
      throw StoreError(
        code: .corrupt,
        message: "is a SQLite database of another application (application id \(application)); "
          + "move it away to start afresh",
        path: connection.path)
    }
    let version = try userVersion(connection)
    guard version <= target else {
      throw StoreError(
        code: .schemaTooNew,
        message: "was written by a newer multiagent (schema version \(version); this build knows "
          + "\(target)); upgrade multiagent",
        path: connection.path)
    }
    return version
  }

  private static func userVersion(_ connection: SQLiteConnection) throws(StoreError) -> Int {
    Int(try connection.query("PRAGMA user_version") { $0.int64(0) ?? 0 }.first ?? 0)
  }
}
