import Foundation
import TestSupport
import Testing

@testable import StateStore

/// The rows a statement gives through `SQLiteRowPipeline` (read on a thread of their own, copied
/// in batches) are the rows it gives when stepped here: every row, in order, each value as the
/// statement's own accessor reads it; and an error on either side ends the reading cleanly.
@Suite struct SQLiteRowPipelineTests {
  let directory: TemporaryDirectory
  let connection: SQLiteConnection
  init() throws {
    directory = try TemporaryDirectory(prefix: "row-pipeline")
    connection = try SQLiteConnection.open(
      path: directory.path("rows.db"), busyTimeout: .seconds(1), retryLimit: .seconds(1))
    try connection.execute("CREATE TABLE t (n INTEGER, x REAL, s TEXT, b BLOB, unused TEXT)")
  }

  static let kinds: [SQLiteRowBatch.Kind] = [.integer, .real, .text, .text, .skipped]

  /// One row as text, read through `row`'s accessors the way `kinds` says.
  static func describe(_ row: some StoreRow) -> String {
    let n = row.int64(0).map(String.init) ?? "NULL"
    let x = row.double(1).map { String($0.bitPattern) } ?? "NULL"
    let s = row.withText(2) { Array($0).description } ?? "NULL"
    let b = row.withText(3) { Array($0).description } ?? "NULL"
    return "\(n)|\(x)|\(s)|\(b)|\(row.isNull(0))\(row.isNull(2))"
  }

  func stepped(_ sql: String) throws -> [String] {
    let statement = try connection.statement(sql)
    var rows: [String] = []
    while try statement.step() { rows.append(Self.describe(statement)) }
    return rows
  }

  func pipelined(_ sql: String, rowsPerBatch: Int) throws -> [String] {
    let statement = try connection.statement(sql)
    var rows: [String] = []
    try SQLiteRowPipeline.rows(of: statement, kinds: Self.kinds, rowsPerBatch: rowsPerBatch) { batch in
      for row in 0..<batch.count {
        batch.select(row: row)
        rows.append(Self.describe(batch))
        #expect(batch.isNull(4))
      }
    }
    return rows
  }

  @Test func everyRowInOrderAsTheStatementReadsIt() throws {
    // Values of every storage class in every column, text long enough to grow a batch's buffer,
    // and bytes that are not UTF-8.
    try connection.execute(
      """
      WITH RECURSIVE i(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM i WHERE k < 999)
      INSERT INTO t SELECT
        CASE k % 5 WHEN 0 THEN NULL WHEN 1 THEN k * 1000003 WHEN 2 THEN k + 0.5 WHEN 3 THEN 'x' || k
          ELSE -9223372036854775807 END,
        CASE k % 4 WHEN 0 THEN NULL WHEN 1 THEN k / 7.0 WHEN 2 THEN k ELSE '1e' || (k % 300) END,
        CASE k % 6 WHEN 0 THEN NULL WHEN 1 THEN k WHEN 2 THEN k / 3.0 WHEN 3 THEN X'61FF00' || k
          WHEN 4 THEN replace(hex(zeroblob((k % 50) * 40)), '0', 'é') ELSE '' END,
        CASE k % 3 WHEN 0 THEN NULL WHEN 1 THEN zeroblob(k % 17) ELSE 'text ✓' END,
        'never read'
      FROM i;
      """)
    let sql = "SELECT n, x, s, b, unused FROM t ORDER BY rowid"
    let expected = try stepped(sql)
    #expect(expected.count == 1000)
    for rowsPerBatch in [1, 7, 64, 5000] {
      #expect(try pipelined(sql, rowsPerBatch: rowsPerBatch) == expected)
    }
    #expect(try pipelined("SELECT n, x, s, b, unused FROM t WHERE 0", rowsPerBatch: 64).isEmpty)
  }

  @Test func anErrorOfTheBodyStopsTheReadingAndLeavesTheConnectionFree() throws {
    try connection.execute(
      "WITH RECURSIVE i(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM i WHERE k < 9999) INSERT INTO t (n) SELECT k FROM i"
    )
    // Stopped at the first batch (read before the thread starts) and at a later one.
    for stop in [1, 3] {
      let statement = try connection.statement("SELECT n, x, s, b, unused FROM t ORDER BY rowid")
      var batches = 0
      let thrown = #expect(throws: StoreError.self) {
        try SQLiteRowPipeline.rows(of: statement, kinds: Self.kinds, rowsPerBatch: 10) {
          (batch) throws(StoreError) in
          batches += 1
          if batches == stop { throw StoreError(code: .invalidValue, message: "stop here", path: "rows.db") }
        }
      }
      #expect(thrown?.description.contains("stop here") == true)
      #expect(batches == stop)
      // The reading thread is done with the statement: it can be reset and stepped here again.
      try connection.execute("UPDATE t SET s = 'after \(stop)' WHERE n = 0")
      #expect(
        try stepped("SELECT n, x, s, b, unused FROM t WHERE n = 0").first?.contains(
          Array("after \(stop)".utf8).description) == true)
    }
  }

  @Test func anErrorOfTheStatementComesAfterTheRowsBeforeIt() throws {
    try connection.execute(
      "WITH RECURSIVE i(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM i WHERE k < 299) INSERT INTO t (n) SELECT k FROM i"
    )
    // abs() of the smallest integer fails the statement at row 250.
    let sql =
      "SELECT CASE WHEN n = 250 THEN abs(-9223372036854775807 - 1) ELSE n END, x, s, b, unused FROM t ORDER BY rowid"
    // On the thread (batches of 16), and in the first batch, read before any thread.
    for rowsPerBatch in [16, 1000] {
      var rows: [Int64] = []
      let thrown = #expect(throws: StoreError.self) {
        try SQLiteRowPipeline.rows(
          of: try connection.statement(sql), kinds: Self.kinds, rowsPerBatch: rowsPerBatch
        ) { batch in
          for row in 0..<batch.count {
            batch.select(row: row)
            rows.append(batch.int64(0) ?? -1)
          }
        }
      }
      #expect(thrown?.description.contains("integer overflow") == true)
      #expect(rows == Array(0..<250))
    }
  }
}
