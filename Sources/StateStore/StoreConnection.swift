/// Which database engine holds the state.
package enum StoreEngine: String, Sendable, Hashable {
  /// A SQLite file in the state home: one controller (many processes on one machine).
  case sqlite
  /// A PostgreSQL server: several controllers, and remote supervisors writing directly.
  case postgres
}

/// The columns of one row, read by index from 0: a statement's current row, or a copy of one
/// (``SQLiteRowBatch``).
package protocol StoreRow: AnyObject {
  /// Whether column `index` of the current row is NULL.
  func isNull(_ index: Int32) -> Bool
  /// Column `index` as text, or nil when NULL.
  func string(_ index: Int32) -> String?
  /// Calls `body` with the bytes of column `index` as text, without copying them; nil when NULL.
  /// The bytes are valid only inside `body`.
  func withText<Result>(_ index: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result?
  /// Column `index` as an integer, or nil when NULL.
  func int64(_ index: Int32) -> Int64?
  /// Column `index` as a floating-point number, or nil when NULL.
  func double(_ index: Int32) -> Double?
  /// Column `index` as bytes (a BLOB or `bytea`), or nil when NULL.
  func bytes(_ index: Int32) -> [UInt8]?
}

extension StoreRow {
  /// Column `index` as a boolean (non-zero is true; NULL is false).
  package func bool(_ index: Int32) -> Bool { (int64(index) ?? 0) != 0 }
}

/// A prepared statement of either engine. Values are only ever bound as parameters, never spliced
/// into SQL; parameters and columns are numbered from 0.
///
/// Not thread-safe: it belongs to one connection and is used under that connection's lock.
package protocol StoreStatement: StoreRow {
  /// Binds `value` (or NULL) to parameter `index`.
  func bind(_ value: String?, at index: Int32)
  /// Binds `value` (or NULL) to parameter `index`.
  func bind(_ value: Int64?, at index: Int32)
  /// Binds `value` (or NULL) to parameter `index`.
  func bind(_ value: Double?, at index: Int32)
  /// Binds the bytes `value` (or NULL) to parameter `index`, as a BLOB (SQLite) or `bytea`.
  func bind(bytes value: [UInt8]?, at index: Int32)

  /// Runs the statement to its next row: `true` when a row is available, `false` when done.
  func step() throws(StoreError) -> Bool
}

extension StoreStatement {
  /// Binds `value` (or NULL) to parameter `index`.
  package func bind(_ value: Int32?, at index: Int32) { bind(value.map { Int64($0) }, at: index) }

  /// Binds `value` (or NULL) to parameter `index`.
  package func bind(_ value: Int?, at index: Int32) { bind(value.map { Int64($0) }, at: index) }

  /// Binds `value` as 0 or 1.
  package func bind(_ value: Bool, at index: Int32) { bind(Int64(value ? 1 : 0), at: index) }

  /// Runs the statement to completion, ignoring any rows.
  package func run() throws(StoreError) {
    while try step() {}
  }
}

/// One connection to the state database, of either engine: what the stores' code is written
/// against, so that the same code runs on SQLite and on PostgreSQL.
///
/// The SQL the stores write is the common part of both dialects: `?` placeholders (`?N` for a
/// numbered one), `ON CONFLICT … DO NOTHING`, no engine-specific functions. What differs (schema
/// steps, transaction locking, pragmas) lives in each engine's connection and in per-engine
/// migrations (``StoreSchema``).
///
/// Not thread-safe: ``StateDatabase`` keeps it behind a mutex.
package protocol StoreConnection: AnyObject {
  /// Where the database is, for messages: the SQLite file, or a PostgreSQL URL without its password.
  var path: String { get }
  /// The engine.
  var engine: StoreEngine { get }

  /// Runs `body` with the cached prepared statement for `sql`, then resets it (also when `body`
  /// throws).
  func with<T>(_ sql: String, _ body: (any StoreStatement) throws(StoreError) -> T) throws(StoreError) -> T

  /// Runs `sql`, which may hold several statements and must not need parameters (schema steps).
  func execute(_ sql: String) throws(StoreError)

  /// The number of rows the last INSERT, UPDATE or DELETE changed.
  var changes: Int { get }

  /// The id the last INSERT gave its row (a rowid or an identity column).
  func lastInsertedID() throws(StoreError) -> Int64

  /// Runs `body` in a transaction that holds the database's write lock from its start (SQLite's
  /// `BEGIN IMMEDIATE`; a transaction-level advisory lock on PostgreSQL), so nothing it reads can be
  /// changed by another writer before it commits. Rolls back when `body` throws.
  func immediateTransaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T

  /// Runs `body`, which only reads, in one read transaction: every statement sees the same snapshot
  /// while writers go on.
  func snapshot<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T

  /// Rolls back the open transaction, if any.
  func rollback()

  /// Runs `operation` until it does not fail with ``StoreError/Code/busy``, backing off between
  /// attempts, for a bounded time. Only for operations that are safe to repeat.
  func retryingWhileBusy<T>(_ operation: () throws(StoreError) -> T) throws(StoreError) -> T
}

extension StoreConnection {
  /// Runs `sql` (a statement without parameters) and maps each row with `row`.
  package func query<T>(_ sql: String, row: (any StoreStatement) throws(StoreError) -> T) throws(StoreError)
    -> [T]
  {
    try with(sql) { (statement) throws(StoreError) -> [T] in
      var rows: [T] = []
      while try statement.step() { rows.append(try row(statement)) }
      return rows
    }
  }
}
