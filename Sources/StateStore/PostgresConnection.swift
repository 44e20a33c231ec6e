import CLibPQ

#if canImport(Glibc)
  import Glibc
#endif

/// One connection to a PostgreSQL server (libpq), for several controllers sharing one state.
///
/// - Every write runs in a transaction that first takes a transaction-level advisory lock
///   (`pg_advisory_xact_lock`): writers are serialised as SQLite's `BEGIN IMMEDIATE` serialises
///   them, so a read-modify-write in one never loses another's update.
/// - A cut-off network fails fast instead of hanging: `connect_timeout`, `tcp_user_timeout` (unsent
///   data is given up on), TCP keepalives, a server-side `statement_timeout` and `lock_timeout`, and a
///   client-side deadline on every answer. A failure that leaves the connection broken is
///   ``StoreError/Code/unavailable``; the next operation reconnects.
/// - The URL (it may hold a password) is never shown: messages name ``path``, the URL without it.
///
/// Not thread-safe by itself: ``StateDatabase`` keeps it behind a mutex.
package final class PostgresConnection: StoreConnection {
  /// How long to wait for the server, on connecting and on each answer.
  package struct Timeouts: Sendable, Hashable {
    /// Connecting, TLS and authentication included (libpq's `connect_timeout`; at least 2 s).
    package var connect: Duration
    /// Unacknowledged data is given up on after this (`tcp_user_timeout`), and an idle connection is
    /// probed by keepalives within about this long.
    package var network: Duration
    /// The server cancels a statement that runs longer (`statement_timeout`); waiting for the write
    /// lock longer fails as ``StoreError/Code/busy`` (`lock_timeout`) and is retried.
    package var statement: Duration
    /// How long to keep retrying while the write lock is held by others.
    package var retryLimit: Duration

    /// Timeouts for the state store: a dead server or link is reported within seconds.
    package init(
      connect: Duration = .seconds(5), network: Duration = .seconds(10), statement: Duration = .seconds(30),
      retryLimit: Duration = .seconds(60)
    ) {
      self.connect = connect
      self.network = network
      self.statement = statement
      self.retryLimit = retryLimit
    }
  }

  /// The key of the advisory lock every write transaction holds ("MAgt").
  package static let writeLockKey: Int64 = 0x4D41_6774

  /// The URL without its password.
  package let path: String
  /// PostgreSQL.
  package var engine: StoreEngine { .postgres }
  /// The timeouts in force.
  package let timeouts: Timeouts
  /// The number of rows the last INSERT, UPDATE or DELETE changed.
  package internal(set) var changes = 0
  var handle: OpaquePointer?
  /// libpq, loaded on first use (see ``LibPQ``).
  let pq: LibPQ
  /// The channel this connection listens on, when it is a listener (see ``listener(on:)``).
  var listening: String?
  /// Whether one of our transactions is open (set once BEGIN succeeded, cleared when it ended).
  private var transactionOpen = false
  let url: String
  private var statements: [String: PostgresStatement] = [:]
  private var preparedCount = 0

  private init(url: String, timeouts: Timeouts, library: LibPQ) {
    self.pq = library
    self.url = url
    self.path = StoreLocation.redacted(url)
    self.timeouts = timeouts
  }

  deinit {
    statements.removeAll()
    pq.finish(handle)
  }

  /// Connects to the server at `url` (`postgres://` or `postgresql://`).
  ///
  /// - Throws: ``StoreError`` `unavailable` when the server cannot be reached in time, `cannotOpen`
  ///   when it refuses the connection (authentication, no such database).
  package static func open(url: String, timeouts: Timeouts = Timeouts()) throws(StoreError)
    -> PostgresConnection
  {
    let connection = PostgresConnection(url: url, timeouts: timeouts, library: try LibPQ.load())
    try connection.connect()
    return connection
  }

  /// The connection parameters: our timeouts first, then the URL, whose own settings win.
  private func parameters() -> [(String, String)] {
    func seconds(_ duration: Duration) -> Int64 { max(duration.components.seconds, 1) }
    func milliseconds(_ duration: Duration) -> Int64 {
      duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
    let network = seconds(timeouts.network)
    let probes: Int64 = 3
    let interval = max(network / (probes + 1), 1)
    let options =
      "-c statement_timeout=\(milliseconds(timeouts.statement)) -c lock_timeout=\(milliseconds(timeouts.statement) / 2)"
      + " -c idle_in_transaction_session_timeout=\(milliseconds(timeouts.statement) * 2)"
    return [
      ("connect_timeout", String(max(seconds(timeouts.connect), 2))),
      ("tcp_user_timeout", String(milliseconds(timeouts.network))),
      ("keepalives", "1"), ("keepalives_idle", String(interval)), ("keepalives_interval", String(interval)),
      ("keepalives_count", String(probes)), ("application_name", "multiagent"), ("client_encoding", "UTF8"),
      ("options", options), ("dbname", url),
    ]
  }

  /// Connects again (after ``dropConnection()``).
  func reconnect() throws(StoreError) { try connect() }

  private func connect() throws(StoreError) {
    pq.finish(handle)
    handle = nil
    statements.removeAll()
    let pairs = parameters()
    let keys = pairs.map { strdup($0.0) }
    let values = pairs.map { strdup($0.1) }
    defer {
      for pointer in keys + values { free(pointer) }
    }
    let keyArray = keys.map { UnsafePointer($0) } + [nil]
    let valueArray = values.map { UnsafePointer($0) } + [nil]
    handle = pq.connectdbParams(keyArray, valueArray, 1)
    guard let handle, pq.status(handle) == CONNECTION_OK else {
      let message = handle.map { Self.trimmed(pq.errorMessage($0)) } ?? "out of memory"
      pq.finish(handle)
      self.handle = nil
      let refused = message.contains("authentication") || message.contains("does not exist")
      throw StoreError(
        code: refused ? .cannotOpen : .unavailable,
        message: "cannot connect to the PostgreSQL store: \(message)"
          + (refused ? "" : " (is the server running and reachable? try again)"),
        path: path)
    }
    // Our own messages would otherwise be mixed into the caller's stderr by libpq's default notice
    // processor (e.g. "relation … already exists, skipping").
    _ = pq.setNoticeProcessor(handle, { _, _ in }, nil)
  }

  /// Reconnects when the connection broke, outside a transaction only: inside one, the work so far
  /// was lost with the connection, and a statement run on a new connection would run outside the
  /// transaction, so it fails instead (until the transaction's wrapper has ended it).
  private func ensureConnected() throws(StoreError) {
    guard let handle, pq.status(handle) == CONNECTION_OK else {
      guard !transactionOpen else {
        throw StoreError(
          code: .unavailable,
          message: "lost the connection to the PostgreSQL server inside a transaction; nothing of it "
            + "was committed: try again",
          path: path)
      }
      try connect()
      return
    }
  }

  // MARK: Statements

  /// Runs `body` with the prepared statement for `sql` (prepared on first use), then resets it.
  package func with<T>(_ sql: String, _ body: (any StoreStatement) throws(StoreError) -> T) throws(StoreError)
    -> T
  {
    let statement = try statement(sql)
    defer { statement.reset() }
    return try body(statement)
  }

  private func statement(_ sql: String) throws(StoreError) -> PostgresStatement {
    try ensureConnected()
    if let statement = statements[sql] { return statement }
    let (translated, count) = PostgresStatement.translate(sql)
    preparedCount += 1
    let name = "multiagent_\(preparedCount)"
    let result = try roundTrip("cannot prepare \(SQLiteStatement.summary(sql))") { handle in
      pq.sendPrepare(handle, name, translated, Int32(count), nil)
    }
    pq.clear(result)
    let statement = PostgresStatement(
      connection: self, name: name, sql: sql, parameterCount: count, library: pq)
    statements[sql] = statement
    return statement
  }

  /// Runs the prepared `statement` with these parameter values; the caller owns the result.
  func run(_ statement: PostgresStatement, values: [[CChar]?], binary: [Bool]) throws(StoreError)
    -> OpaquePointer?
  {
    let lengths = values.map { Int32($0?.count ?? 0) }
    let formats = binary.map { Int32($0 ? 1 : 0) }
    let result = try withPointers(values) { (pointers) throws(StoreError) -> OpaquePointer? in
      try roundTrip("cannot run \(SQLiteStatement.summary(statement.sql))") { handle in
        pq.sendQueryPrepared(
          handle, statement.name, Int32(values.count), pointers, lengths, formats, 0)
      }
    }
    changes = pq.cmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
    return result
  }

  /// Runs `sql` (one or more statements without parameters).
  package func execute(_ sql: String) throws(StoreError) {
    try ensureConnected()
    let result = try roundTrip("cannot run \(SQLiteStatement.summary(sql))") { handle in
      pq.sendQuery(handle, sql)
    }
    changes = pq.cmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
    pq.clear(result)
  }

  /// The id the last INSERT gave its row (`lastval()`: the last identity value of this session).
  package func lastInsertedID() throws(StoreError) -> Int64 {
    try query("SELECT lastval()") { $0.int64(0) ?? 0 }.first ?? 0
  }

  // MARK: Transactions

  /// Whether a transaction is open.
  var inTransaction: Bool {
    guard let handle else { return false }
    return pq.transactionStatus(handle) != PQTRANS_IDLE && pq.transactionStatus(handle) != PQTRANS_UNKNOWN
  }

  /// Runs `body` in a transaction holding the write lock (an advisory lock) from its start.
  package func immediateTransaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
    try retryingWhileBusy { () throws(StoreError) in
      do throws(StoreError) {
        try execute("BEGIN; SELECT pg_advisory_xact_lock(\(Self.writeLockKey))")
        transactionOpen = true
      } catch {
        rollback()
        throw error
      }
    }
    return try finishing(body)
  }

  /// Runs `body` in one repeatable-read, read-only transaction: one snapshot for all it reads.
  package func snapshot<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
    try execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    transactionOpen = true
    return try finishing(body)
  }

  private func finishing<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
    defer { transactionOpen = false }
    do throws(StoreError) {
      let value = try body()
      try execute("COMMIT")
      return value
    } catch {
      rollback()
      throw error
    }
  }

  /// Rolls back the open transaction, if any (a broken connection has none left to roll back).
  package func rollback() {
    guard inTransaction, let handle else { return }
    pq.clear(pq.exec(handle, "ROLLBACK"))
  }

  /// Runs `operation` until it does not fail with ``StoreError/Code/busy`` (the write lock or a row
  /// lock was held past `lock_timeout`), backing off 1–100 ms, for at most the retry limit.
  package func retryingWhileBusy<T>(_ operation: () throws(StoreError) -> T) throws(StoreError) -> T {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeouts.retryLimit)
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

  static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
    guard let message else { return "unknown error" }
    var text = String(cString: message)
    while text.last?.isWhitespace == true { text.removeLast() }
    return text.split(separator: "\n").map { $0.trimmingPrefix(while: \.isWhitespace) }.joined(
      separator: "; ")
  }
}

/// Calls `body` with C pointers to `values` (NULL for nil), valid only inside `body`.
private func withPointers<T>(
  _ values: [[CChar]?], _ body: ([UnsafePointer<CChar>?]) throws(StoreError) -> T
) throws(StoreError) -> T {
  let copies: [UnsafeMutablePointer<CChar>?] = values.map { value in
    guard let value else { return nil }
    let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: max(value.count, 1))
    pointer.initialize(from: value, count: value.count)
    return pointer
  }
  defer {
    for pointer in copies { pointer?.deallocate() }
  }
  return try body(copies.map { $0.map { UnsafePointer($0) } })
}
