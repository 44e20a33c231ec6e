import CLibPQ

#if canImport(Glibc)
  import Glibc
#endif

/// A statement prepared on a PostgreSQL server (`PQprepare`), run with bound parameters
/// (`PQexecPrepared`): values travel apart from the SQL, never spliced into it.
///
/// Parameters are sent as text (bytes as binary), and the server infers each one's type from where
/// it stands, as SQLite would take any value. The whole result arrives when the statement is first
/// stepped; the rows are then read from it. Not thread-safe: it belongs to one
/// ``PostgresConnection`` and is used under that connection's lock.
package final class PostgresStatement: StoreStatement {
  /// The SQL text as the stores wrote it (`?` placeholders), for messages.
  package let sql: String
  /// The server-side name of the prepared statement.
  let name: String
  /// How many parameters it takes (the highest `$n`).
  let parameterCount: Int
  private unowned let connection: PostgresConnection
  private let pq: LibPQ
  private var values: [[CChar]?]
  private var binary: [Bool]
  private var result: OpaquePointer?
  private var row: Int32 = -1
  private var rowCount: Int32 = 0

  init(connection: PostgresConnection, name: String, sql: String, parameterCount: Int, library: LibPQ) {
    self.connection = connection
    self.pq = library
    self.name = name
    self.sql = sql
    self.parameterCount = parameterCount
    values = Array(repeating: nil, count: parameterCount)
    binary = Array(repeating: false, count: parameterCount)
  }

  deinit { pq.clear(result) }

  // MARK: Binding

  private func set(_ value: [CChar]?, binary isBinary: Bool, at index: Int32) {
    let slot = Int(index)
    guard slot >= 0, slot < parameterCount else { return }
    values[slot] = value
    binary[slot] = isBinary
  }

  /// Binds `value` (or NULL) to parameter `index`.
  package func bind(_ value: String?, at index: Int32) {
    set(value.map { Array($0.utf8CString) }, binary: false, at: index)
  }

  /// Binds `value` (or NULL) to parameter `index`.
  package func bind(_ value: Int64?, at index: Int32) {
    set(value.map { Array(String($0).utf8CString) }, binary: false, at: index)
  }

  /// Binds `value` (or NULL) to parameter `index`, in the shortest text that reads back exactly.
  package func bind(_ value: Double?, at index: Int32) {
    set(value.map { Array(String($0).utf8CString) }, binary: false, at: index)
  }

  /// Binds the bytes `value` (or NULL) to parameter `index`, in binary (a `bytea`).
  package func bind(bytes value: [UInt8]?, at index: Int32) {
    set(value.map { $0.map { CChar(bitPattern: $0) } }, binary: true, at: index)
  }

  // MARK: Running

  /// Runs the statement (on the first call) and moves to its next row.
  package func step() throws(StoreError) -> Bool {
    if result == nil {
      result = try connection.run(self, values: values, binary: binary)
      rowCount = pq.ntuples(result)
      row = -1
    }
    row += 1
    return row < rowCount
  }

  /// Forgets the result and every bound value.
  func reset() {
    pq.clear(result)
    result = nil
    row = -1
    rowCount = 0
    for index in values.indices {
      values[index] = nil
      binary[index] = false
    }
  }

  // MARK: Reading columns (index from 0)

  /// Whether column `index` of the current row is NULL.
  package func isNull(_ index: Int32) -> Bool {
    guard let result, row >= 0, row < rowCount else { return true }
    return pq.getisnull(result, row, index) != 0
  }

  /// Column `index` as text, or nil when NULL.
  package func string(_ index: Int32) -> String? {
    withText(index) { String(decoding: $0, as: UTF8.self) }
  }

  /// Calls `body` with the bytes of column `index` as text, without copying them; nil when NULL.
  package func withText<Result>(_ index: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
    guard !isNull(index), let value = pq.getvalue(result, row, index) else { return nil }
    let count = Int(pq.getlength(result, row, index))
    return value.withMemoryRebound(to: UInt8.self, capacity: count) {
      body(UnsafeBufferPointer(start: $0, count: count))
    }
  }

  /// Column `index` as an integer, or nil when NULL (or not a number).
  package func int64(_ index: Int32) -> Int64? {
    guard !isNull(index), let value = pq.getvalue(result, row, index) else { return nil }
    return Int64(String(cString: value))
  }

  /// Column `index` as a floating-point number, or nil when NULL.
  package func double(_ index: Int32) -> Double? {
    guard !isNull(index), let value = pq.getvalue(result, row, index) else { return nil }
    // Not strtod: its decimal point follows the C locale of the process.
    return Double(String(cString: value))
  }

  /// Column `index` (a `bytea`, sent as text) as bytes, or nil when NULL.
  package func bytes(_ index: Int32) -> [UInt8]? {
    guard !isNull(index), let value = pq.getvalue(result, row, index) else { return nil }
    var count = 0
    guard let bytes = value.withMemoryRebound(to: UInt8.self, capacity: 1, { pq.unescapeBytea($0, &count) })
    else { return nil }
    defer { pq.freemem(bytes) }
    return Array(UnsafeBufferPointer(start: bytes, count: count))
  }

  // MARK: Placeholders

  /// `sql` with SQLite's `?` and `?N` placeholders as PostgreSQL's `$n` (a bare `?` is one more than
  /// the highest number so far, as in SQLite), leaving string literals, quoted names and comments
  /// alone; and the number of parameters.
  package static func translate(_ sql: String) -> (sql: String, parameterCount: Int) {
    var output: [UInt8] = []
    output.reserveCapacity(sql.utf8.count + 16)
    let bytes = Array(sql.utf8)
    var highest = 0
    var index = 0
    var quote: UInt8?
    var lineComment = false
    while index < bytes.count {
      let byte = bytes[index]
      index += 1
      if lineComment {
        if byte == UInt8(ascii: "\n") { lineComment = false }
        output.append(byte)
        continue
      }
      if let open = quote {
        if byte == open { quote = nil }
        output.append(byte)
        continue
      }
      switch byte {
      case UInt8(ascii: "'"), UInt8(ascii: "\""):
        quote = byte
        output.append(byte)
      case UInt8(ascii: "-") where index < bytes.count && bytes[index] == UInt8(ascii: "-"):
        lineComment = true
        output.append(byte)
      case UInt8(ascii: "?"):
        var number = 0
        var digits = 0
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
          number = number * 10 + Int(bytes[index] - UInt8(ascii: "0"))
          digits += 1
          index += 1
        }
        if digits == 0 { number = highest + 1 }
        highest = max(highest, number)
        output.append(UInt8(ascii: "$"))
        output.append(contentsOf: Array(String(number).utf8))
      default:
        output.append(byte)
      }
    }
    return (String(decoding: output, as: UTF8.self), highest)
  }
}
