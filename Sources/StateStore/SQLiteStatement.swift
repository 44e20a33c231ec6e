import CSQLite

/// A prepared SQLite statement. Values are only ever bound as parameters, never spliced into SQL.
///
/// Not thread-safe: it belongs to one ``SQLiteConnection`` and is used under that connection's lock.
/// Columns and parameters are numbered from 0 here (SQLite numbers parameters from 1).
package final class SQLiteStatement: StoreStatement {
  /// The `sqlite3_stmt`.
  package let handle: OpaquePointer
  /// The SQL text, for error messages.
  package let sql: String
  private let path: String

  /// Wraps the prepared `handle` of `sql`, a statement of the database at `path`; finalizes it on
  /// deinit.
  package init(handle: OpaquePointer, sql: String, path: String) {
    self.handle = handle
    self.sql = sql
    self.path = path
  }

  deinit { sqlite3_finalize(handle) }

  // MARK: Binding (parameter index from 0)

  /// Binds `value` (or NULL) to parameter `index`.
  package func bind(_ value: String?, at index: Int32) {
    guard var value else {
      sqlite3_bind_null(handle, index + 1)
      return
    }
    // An empty buffer may have no address, and SQLite binds NULL for a null pointer.
    guard !value.isEmpty else {
      sqlite3_bind_text(handle, index + 1, "", 0, transient)
      return
    }
    value.withUTF8 { bytes in
      bytes.withMemoryRebound(to: CChar.self) { text in
        _ = sqlite3_bind_text(handle, index + 1, text.baseAddress, Int32(text.count), transient)
      }
    }
  }

  /// Binds `value` (or NULL) to parameter `index`.
  package func bind(_ value: Int64?, at index: Int32) {
    guard let value else {
      sqlite3_bind_null(handle, index + 1)
      return
    }
    sqlite3_bind_int64(handle, index + 1, value)
  }

  /// Binds `value` (or NULL) to parameter `index`.
  package func bind(_ value: Int32?, at index: Int32) {
    bind(value.map { Int64($0) }, at: index)
  }

  /// Binds `value` (or NULL) to parameter `index`.
  package func bind(_ value: Int?, at index: Int32) {
    bind(value.map { Int64($0) }, at: index)
  }

  /// Binds `value` as 0 or 1.
  package func bind(_ value: Bool, at index: Int32) {
    sqlite3_bind_int64(handle, index + 1, value ? 1 : 0)
  }

  /// Binds `value` (or NULL) to parameter `index`.
  package func bind(_ value: Double?, at index: Int32) {
    guard let value else {
      sqlite3_bind_null(handle, index + 1)
      return
    }
    sqlite3_bind_double(handle, index + 1, value)
  }

  /// Binds the bytes `value` (or NULL) to parameter `index`, as a BLOB.
  package func bind(bytes value: [UInt8]?, at index: Int32) {
    guard let value else {
      sqlite3_bind_null(handle, index + 1)
      return
    }
    // A zero-length BLOB, not NULL, for an empty array (whose buffer may have no address).
    guard !value.isEmpty else {
      sqlite3_bind_zeroblob(handle, index + 1, 0)
      return
    }
    value.withUnsafeBytes { raw in
      _ = sqlite3_bind_blob(handle, index + 1, raw.baseAddress, Int32(raw.count), transient)
    }
  }

  // MARK: Stepping

  /// Runs the statement to its next row: `true` when a row is available, `false` when done.
  package func step() throws(StoreError) -> Bool {
    let result = sqlite3_step(handle)
    switch result {
    case SQLITE_ROW: return true
    case SQLITE_DONE: return false
    default:
      throw StoreError(
        result: result, sqliteMessage: String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))),
        path: path, context: "cannot run \(Self.summary(sql))",
        systemErrno: sqlite3_system_errno(sqlite3_db_handle(handle)))
    }
  }

  /// Runs the statement to completion, ignoring any rows.
  package func run() throws(StoreError) {
    while try step() {}
  }

  /// Resets the statement for its next use and unbinds all parameters.
  package func reset() {
    sqlite3_reset(handle)
    sqlite3_clear_bindings(handle)
  }

  // MARK: Reading columns (index from 0)

  /// Whether column `index` of the current row is NULL.
  package func isNull(_ index: Int32) -> Bool {
    sqlite3_column_type(handle, index) == SQLITE_NULL
  }

  /// Column `index` as text, or nil when NULL.
  package func string(_ index: Int32) -> String? {
    guard let text = sqlite3_column_text(handle, index) else { return nil }
    let count = Int(sqlite3_column_bytes(handle, index))
    return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
  }

  /// Calls `body` with the bytes of column `index` as text (not necessarily valid UTF-8), without
  /// copying them; nil when NULL. The bytes are valid only inside `body`.
  package func withText<Result>(_ index: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
    guard let text = sqlite3_column_text(handle, index) else { return nil }
    return body(UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, index))))
  }

  /// Column `index` as an integer, or nil when NULL.
  package func int64(_ index: Int32) -> Int64? {
    isNull(index) ? nil : sqlite3_column_int64(handle, index)
  }

  /// Column `index` as a floating-point number, or nil when NULL.
  package func double(_ index: Int32) -> Double? {
    isNull(index) ? nil : sqlite3_column_double(handle, index)
  }

  /// Column `index` as bytes, or nil when NULL.
  package func bytes(_ index: Int32) -> [UInt8]? {
    guard !isNull(index) else { return nil }
    // The pointer first, then the size (SQLite's advice: the size then holds for that pointer).
    let blob = sqlite3_column_blob(handle, index)
    let count = Int(sqlite3_column_bytes(handle, index))
    guard count > 0, let blob else { return [] }
    return Array(UnsafeRawBufferPointer(start: blob, count: count))
  }

  /// Column `index` as a boolean (non-zero is true; NULL is false).
  package func bool(_ index: Int32) -> Bool {
    sqlite3_column_int64(handle, index) != 0
  }

  /// The first words of `sql`, for error messages.
  package static func summary(_ sql: String) -> String {
    let words = sql.split(whereSeparator: { $0 == " " || $0 == "\n" }).prefix(4)
    return "\"" + words.joined(separator: " ") + (words.count == 4 ? " …\"" : "\"")
  }
}

/// `SQLITE_TRANSIENT`: SQLite copies bound text before the call returns.
private var transient: sqlite3_destructor_type {
  unsafeBitCast(Int(-1), to: sqlite3_destructor_type.self)
}
