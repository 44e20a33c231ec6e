import CSQLite

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One SQLite connection, configured for many processes sharing one database file.
///
/// - WAL journal (readers never block the writer), `synchronous=NORMAL`, `foreign_keys=ON`.
/// - A busy timeout, plus retries with jittered backoff around everything SQLite may refuse with
///   `SQLITE_BUSY` without waiting (switching to WAL, `BEGIN IMMEDIATE`, `COMMIT`, reads).
/// - Every write runs in a `BEGIN IMMEDIATE` transaction: a deferred transaction that upgrades from
///   reading to writing fails at once with `SQLITE_BUSY` whatever the timeout ("database is locked").
/// - The file (and so its `-wal` and `-shm`, which SQLite creates with the database's mode) is 0600.
///
/// Not thread-safe by itself: ``StateDatabase`` keeps it behind a mutex, which is why it is opened
/// with `SQLITE_OPEN_NOMUTEX` (SQLite's own per-call mutex made listing 10,000 agents twice as slow).
package final class SQLiteConnection: StoreConnection {
  /// The database file.
  package let path: String
  /// The `sqlite3` handle.
  package let handle: OpaquePointer
  /// How long to keep retrying an operation that finds the database locked, beyond SQLite's own
  /// busy timeout for each attempt.
  package let retryLimit: Duration
  private var statements: [String: SQLiteStatement] = [:]
  /// SQLite's own busy wait per attempt, in milliseconds (the busy handler's context).
  private var busyLimit = 1

  private init(path: String, handle: OpaquePointer, retryLimit: Duration) {
    self.path = path
    self.handle = handle
    self.retryLimit = retryLimit
  }

  deinit {
    statements.removeAll()
    sqlite3_close_v2(handle)
  }

  /// Opens (creating when missing, mode 0600) and configures the database at `path`.
  ///
  /// - Parameters:
  ///   - path: the database file; its folder must exist.
  ///   - busyTimeout: how long SQLite itself waits for a lock on each attempt.
  ///   - retryLimit: how long to keep retrying after that.
  package static func open(path: String, busyTimeout: Duration, retryLimit: Duration) throws(StoreError)
    -> SQLiteConnection
  {
    try createPrivateFile(path)
    var handle: OpaquePointer?
    let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
    let result = sqlite3_open_v2(path, &handle, flags, nil)
    guard result == SQLITE_OK, let handle else {
      let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
      sqlite3_close_v2(handle)
      throw StoreError(
        result: result, sqliteMessage: message, path: path, context: "cannot open the database")
    }
    // From here on the connection owns the handle and closes it, also when configuring fails.
    let connection = SQLiteConnection(path: path, handle: handle, retryLimit: retryLimit)
    sqlite3_extended_result_codes(handle, 1)
    // SQLite's own busy_timeout sleeps 1, 2, 5, 10… ms between tries; our transactions hold the
    // write lock for well under a millisecond, so waiting in finer steps hands it over sooner.
    connection.busyLimit = max(Int(clamping: milliseconds(busyTimeout)), 1)
    connection.useBusyHandler()
    try connection.configure()
    return connection
  }

  private func configure() throws(StoreError) {
    // Switching a fresh database to WAL needs the write lock, and when many processes open a fresh
    // file at once some get SQLITE_BUSY at once; the mode is persistent, so later opens only read it.
    let mode = try retryingWhileBusy { () throws(StoreError) -> String? in
      try query("PRAGMA journal_mode=WAL") { $0.string(0) }.first ?? nil
    }
    guard mode?.lowercased() == "wal" else {
      throw StoreError(
        code: .cannotOpen,
        message: "cannot switch the database to WAL mode (it reports \"\(mode ?? "nothing")\"); "
          + "is it on a network file system?",
        path: path)
    }
    try execute("PRAGMA synchronous=NORMAL")
    // The log stays between processes: the last connection to close neither checkpoints nor
    // deletes it. Otherwise every short-lived command that writes (a spawn, an answer) would make
    // the log anew and sync its header and the folder, and every supervisor would checkpoint and
    // sync the database at exit: milliseconds of `fdatasync` each, on the path of `spawn --wait`.
    // Checkpoints happen as the log grows (`wal_autocheckpoint`, kept small so that the first
    // process to open the database after all closed re-reads little), and at once where removed
    // rows must leave no copy behind (``checkpointAndTruncateLog()``).
    let kept = multiagent_sqlite_keep_wal(handle)
    guard kept == SQLITE_OK else {
      throw StoreError(
        result: kept, sqliteMessage: String(cString: sqlite3_errmsg(handle)), path: path,
        context: "cannot keep the database's log between processes")
    }
    try execute("PRAGMA wal_autocheckpoint=\(Self.checkpointPages)")
    // A log that grew while readers held off checkpoints is cut back to this size when it is next
    // reset, instead of staying at its largest for good (it is no longer deleted at the last close).
    try execute("PRAGMA journal_size_limit=\(Self.logSizeLimit)")
    try execute("PRAGMA foreign_keys=ON")
    // Deleted rows are overwritten, not left in free space: a removed account's secret must not stay
    // in the file. Many system SQLite builds default to this (SQLITE_SECURE_DELETE); not all do.
    try execute("PRAGMA secure_delete=ON")
  }

  /// Creates `path` with mode 0600 when missing, and narrows an existing file to 0600.
  ///
  /// SQLite creates the `-wal` and `-shm` files with the mode of the database file, so they follow;
  /// existing ones are narrowed too. Nothing is followed: the database, its `-wal` and its `-shm`
  /// must each be a regular file or missing (a symbolic link there could point anywhere, and as root
  /// narrowing its target would change any file on the machine). A file whose owner may not write
  /// it is refused, not made writable: the user made it read-only.
  ///
  /// - Important: An existing database file is never opened for reading or writing here. Closing any
  ///   such descriptor of a file drops every POSIX lock this process holds on it (fcntl semantics),
  ///   so opening and closing the file while another connection of this process is open would
  ///   silently release that connection's locks: another process could then checkpoint and delete
  ///   the WAL under it. Modes are set through `O_PATH` descriptors (``PrivatePath/setFileMode(_:_:)``).
  /// The log's size, in pages, at which a commit copies it into the database (SQLite's default is
  /// 1,000): about 1 MB to re-read when a process opens the database after every other one closed.
  static let checkpointPages = 256

  /// The size, in bytes, the kept log is cut back to after a checkpoint (SQLite's
  /// `journal_size_limit`): 4 MiB.
  static let logSizeLimit = 4 << 20

  /// Copies the whole log into the database and truncates it to nothing, waiting (within the busy
  /// limit) for readers to finish. Used after rows holding secrets were deleted or replaced: the
  /// log would otherwise keep the pages that held them until it wraps around.
  package func checkpointAndTruncateLog() throws(StoreError) {
    try retryingWhileBusy { () throws(StoreError) in
      let result = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil)
      guard result == SQLITE_OK else {
        throw StoreError(
          result: result, sqliteMessage: String(cString: sqlite3_errmsg(handle)), path: path,
          context: "cannot empty the database's log")
      }
    }
  }

  /// Copies the log into the database and starts it over, when no other connection reads or
  /// writes at that moment (it never waits; otherwise it leaves things as they are).
  ///
  /// The log is kept between processes, and the first process to open the database after every
  /// one closed it reads back every page written since the last checkpoint (up to
  /// ``checkpointPages``: ~0.3 ms on a spawn's path). Started over, the log holds one page; its
  /// file keeps its size, so the next writer appends in place (truncated, it would take the file's
  /// blocks anew and sync its header: slower than the reading it saves). For a process about to
  /// close the database, off anyone's path: a supervisor once its spawn has gone.
  package func restartLogIfIdle() {
    sqlite3_busy_handler(handle, nil, nil)
    defer { useBusyHandler() }
    var logged: Int32 = 0
    var copied: Int32 = 0
    guard sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &logged, &copied) == SQLITE_OK,
      logged > 1, copied == logged
    else { return }
    // SQLite starts a log whose every page is in the database over at the next write: one that
    // changes nothing (the file's format number, rewritten as it is).
    guard (try? execute("BEGIN IMMEDIATE")) != nil else { return }
    do {
      let format = try query("PRAGMA user_version") { $0.int64(0) ?? 0 }.first ?? 0
      try execute("PRAGMA user_version = \(format); COMMIT")
    } catch {
      rollback()
    }
  }

  /// Waits in SQLite's busy handler for up to ``busyLimit`` ms per attempt (see ``open``).
  private func useBusyHandler() {
    sqlite3_busy_handler(handle, busyHandler, UnsafeMutableRawPointer(bitPattern: busyLimit))
  }

  private static func createPrivateFile(_ path: String) throws(StoreError) {
    var failure: Int32?
    do throws(UnsafePathError) {
      if try PrivatePath.requireRegularFile(path) == nil {
        let descriptor = openFile(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if descriptor >= 0 { close(descriptor) } else if errno != EEXIST { failure = errno }
      }
      for file in [path, path + "-wal", path + "-shm"] where failure == nil {
        guard let info = try PrivatePath.requireRegularFile(file) else { continue }
        try PrivatePath.refuseReadOnly(file, info, what: "database")
        try PrivatePath.setFileMode(file, 0o600)
      }
    } catch {
      throw StoreError(
        code: error.reason == .readOnly ? .readOnly : .cannotOpen, message: error.message, path: error.path)
    }
    if let failure {
      throw StoreError(
        code: .cannotOpen,
        message: "cannot open the database (\(String(cString: strerror(failure)))); "
          + "check that its folder exists and is writable",
        path: path)
    }
  }

  // MARK: Statements

  /// The cached prepared statement for `sql`, prepared on first use.
  package func statement(_ sql: String) throws(StoreError) -> SQLiteStatement {
    if let statement = statements[sql] { return statement }
    var prepared: OpaquePointer?
    let result = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil)
    guard result == SQLITE_OK, let prepared else {
      throw error(result, "cannot prepare \(SQLiteStatement.summary(sql))")
    }
    let statement = SQLiteStatement(handle: prepared, sql: sql, path: path)
    statements[sql] = statement
    return statement
  }

  /// Runs `body` with the cached statement for `sql`, then resets it (also when `body` throws).
  package func with<T>(_ sql: String, _ body: (any StoreStatement) throws(StoreError) -> T) throws(StoreError)
    -> T
  {
    let statement = try statement(sql)
    defer { statement.reset() }
    return try body(statement)
  }

  /// Runs `sql`, which may hold several statements and must not need parameters (schema, pragmas).
  package func execute(_ sql: String) throws(StoreError) {
    var message: UnsafeMutablePointer<CChar>?
    let result = sqlite3_exec(handle, sql, nil, nil, &message)
    guard result == SQLITE_OK else {
      let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
      sqlite3_free(message)
      throw StoreError(
        result: result, sqliteMessage: text, path: path,
        context: "cannot run \(SQLiteStatement.summary(sql))", systemErrno: sqlite3_system_errno(handle))
    }
  }

  /// An error for `result` with the connection's current SQLite message.
  package func error(_ result: Int32, _ context: String) -> StoreError {
    StoreError(
      result: result, sqliteMessage: String(cString: sqlite3_errmsg(handle)), path: path, context: context,
      systemErrno: sqlite3_system_errno(handle))
  }

  /// The number of rows the last INSERT, UPDATE or DELETE changed.
  package var changes: Int { Int(sqlite3_changes(handle)) }

  /// The rowid of the last INSERT.
  package var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

  /// The rowid of the last INSERT.
  package func lastInsertedID() -> Int64 { lastInsertRowID }

  /// SQLite.
  package var engine: StoreEngine { .sqlite }

  // MARK: Transactions and retries

  /// Runs `body` in a `BEGIN IMMEDIATE` transaction: it holds the write lock from the start, so
  /// nothing it reads can change before it commits. Rolls back when `body` throws.
  package func immediateTransaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
    try retryingWhileBusy { () throws(StoreError) in try execute("BEGIN IMMEDIATE") }
    do {
      let value = try body()
      // In WAL mode COMMIT holds the lock already; should it still be refused, the transaction stays
      // open and COMMIT may be retried.
      try retryingWhileBusy { () throws(StoreError) in try execute("COMMIT") }
      return value
    } catch {
      rollback()
      throw error
    }
  }

  /// Runs `body` in a deferred (`BEGIN`) transaction: in WAL mode it reads one snapshot throughout,
  /// and writers go on meanwhile. Ends it with COMMIT (nothing was written), or rolls it back when
  /// `body` throws.
  package func snapshot<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
    try execute("BEGIN")
    do {
      let value = try body()
      try execute("COMMIT")
      return value
    } catch {
      rollback()
      throw error
    }
  }

  /// Rolls back the open transaction, if any.
  package func rollback() {
    if sqlite3_get_autocommit(handle) == 0 {
      _ = sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
    }
  }

  /// Runs `operation` until it does not fail with ``StoreError/Code/busy``, sleeping a jittered,
  /// doubling delay (1 ms up to 100 ms) between attempts, for at most ``retryLimit``.
  ///
  /// Only for operations that are safe to repeat: reads, `BEGIN`, `COMMIT`, idempotent pragmas.
  package func retryingWhileBusy<T>(_ operation: () throws(StoreError) -> T) throws(StoreError) -> T {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: retryLimit)
    var delay: UInt32 = 1_000
    while true {
      do {
        return try operation()
      } catch  where error.isBusy && clock.now < deadline {
        usleep(delay / 2 + UInt32.random(in: 0...delay))
        delay = min(delay * 2, 100_000)
      }
    }
  }

  private static func milliseconds(_ duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    return seconds * 1000 + attoseconds / 1_000_000_000_000_000
  }
}

/// Waits for a lock: 25 µs, doubling up to 10 ms per try, until the connection's busy timeout
/// (passed as the context pointer's bit pattern, in milliseconds) is used up; 0 gives up. A write
/// holds the lock for a few hundred microseconds, so the first steps are short: a connection
/// opened while another commits (a spawn's supervisor reading while the spawn records its agent)
/// waits about as long as the commit, not up to twice as long plus a tenth of a millisecond.
private func busyHandler(_ context: UnsafeMutableRawPointer?, _ tries: Int32) -> Int32 {
  let limitMicroseconds = Int(bitPattern: context) * 1000
  var waited = 0
  var delay = 25
  for _ in 0..<Int(tries) {
    waited += delay
    delay = min(delay * 2, 10_000)
    if waited >= limitMicroseconds { return 0 }
  }
  usleep(UInt32(delay))
  return 1
}
