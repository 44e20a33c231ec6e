import JSONKit
import StateStore

extension AgentStore {
  /// The agents matching `filter` as one JSON array, in ``list(_:)``'s order, each written as
  /// `AgentRecord.writeJSON(to:)` writes it — straight from the rows, without making the records
  /// (for `list --json` over many thousands of agents).
  public func listJSON(_ filter: Filter = Filter()) throws(StoreError) -> [UInt8] {
    let (condition, parameters) = Self.whereClause(filter)
    let sql = AgentRows.select + condition + " ORDER BY created_at, rowid"
    return try database.read { (connection) throws(StoreError) -> [UInt8] in
      try Self.wholeJSON(connection, sql: sql, parameters: parameters)
    }
  }

  /// Writes the text ``listJSON(_:)`` returns, in pieces of about `chunkSize` bytes handed to
  /// `write` as they are made: a reader at the other end of a pipe takes each piece while the next
  /// is made, instead of waiting for the whole text and then for its transfer.
  ///
  /// The same text, and the same errors, with nothing written first: the rows that could make it
  /// fail (an unknown status, a JSON column that is not NULL) are checked before the first piece,
  /// in the same read transaction; when one of them would fail, the text is made whole as
  /// ``listJSON(_:)`` makes it, which throws its error.
  public func writeListJSON(
    _ filter: Filter = Filter(), chunkSize: Int = 64 * 1024, to write: (UnsafeBufferPointer<UInt8>) -> Void
  ) throws(StoreError) {
    let (condition, parameters) = Self.whereClause(filter)
    let sql = AgentRows.select + condition + " ORDER BY created_at, rowid"
    try database.read { (connection) throws(StoreError) in
      // One snapshot for the check and the rows (a read transaction: writers go on meanwhile).
      try connection.snapshot { () throws(StoreError) in
        if try Self.rowsAreReadable(connection) {
          try Self.streamJSON(connection, sql: sql, parameters: parameters, chunkSize: chunkSize, to: write)
        } else {
          try Self.wholeJSON(connection, sql: sql, parameters: parameters).withUnsafeBufferPointer {
            write($0)
          }
        }
      }
    }
  }

  /// Calls `body` once for each row of `statement`, in order, with a function that writes that row
  /// as JSON. On SQLite the rows are read on a thread of their own meanwhile
  /// (``SQLiteRowPipeline``): reading the engine's records and writing the JSON take about as long
  /// each, and a listing of 10,000 agents then takes two cores instead of one.
  private static func forEachRow(
    _ statement: any StoreStatement, path: String,
    _ body: ((inout JSONOutput) throws(StoreError) -> Void) throws(StoreError) -> Void
  ) throws(StoreError) {
    guard let sqlite = statement as? SQLiteStatement else {
      while try statement.step() {
        try body { (output) throws(StoreError) in try AgentRows.writeJSON(statement, path: path, to: &output)
        }
      }
      return
    }
    try SQLiteRowPipeline.rows(of: sqlite, kinds: AgentRows.copiedKinds) { (batch) throws(StoreError) in
      for row in 0..<batch.count {
        batch.select(row: row)
        try body { (output) throws(StoreError) in try AgentRows.writeJSON(batch, path: path, to: &output) }
      }
    }
  }

  /// Whether every row of the table reads as a record, as far as its status and its three JSON
  /// columns tell (the rest of a row cannot fail): its distinct statuses, then the rows with
  /// something in a JSON column. Rows outside the filter are checked too, which costs less than
  /// applying it twice; one that would fail only sends the listing the slower way.
  ///
  /// Both read indexes, not the table (schema step 7): the statuses one seek each, the JSON rows
  /// from their own index.
  private static func rowsAreReadable(_ connection: any StoreConnection) throws(StoreError) -> Bool {
    let statusesKnown = try connection.with(distinctStatuses) { (statement) throws(StoreError) -> Bool in
      while try statement.step() {
        guard statement.string(0).flatMap(AgentStatus.init(rawValue:)) != nil else { return false }
      }
      return true
    }
    guard statusesKnown else { return false }
    return try connection.with(rowsWithJSON) { (statement) throws(StoreError) -> Bool in
      while try statement.step() {
        for column in Int32(0)...2 {
          guard let text = statement.string(column) else { continue }
          guard (try? JSONParser.parse(text).arrayValue) != nil else { return false }
        }
      }
      return true
    }
  }

  /// The rows with something in a JSON column. The condition is `agents_with_json`'s, word for
  /// word: the planner uses a partial index only for a query whose condition implies the index's.
  static let rowsWithJSON =
    "SELECT extra_arguments, fallback, pending_questions FROM agents"
    + " WHERE extra_arguments IS NOT NULL OR fallback IS NOT NULL OR pending_questions IS NOT NULL"

  /// The distinct statuses of the agents, each found by one seek in the status index from the one
  /// before (`SELECT DISTINCT` would read every entry).
  static let distinctStatuses = """
    WITH RECURSIVE found(status) AS (
      SELECT min(status) FROM agents
      UNION ALL
      SELECT (SELECT min(status) FROM agents WHERE status > found.status) FROM found
      WHERE found.status IS NOT NULL
    )
    SELECT status FROM found WHERE status IS NOT NULL
    """

  private static func wholeJSON(
    _ connection: any StoreConnection, sql: String, parameters: [String]
  ) throws(StoreError) -> [UInt8] {
    try connection.with(sql) { (statement) throws(StoreError) -> [UInt8] in
      for (index, value) in parameters.enumerated() { statement.bind(value, at: Int32(index)) }
      // About 700 bytes a record; grown from there.
      var output = JSONOutput(reservingCapacity: 64 * 1024)
      output.beginArray()
      try forEachRow(statement, path: connection.path) { (row) throws(StoreError) in
        try row(&output)
      }
      output.endArray()
      return output.bytes
    }
  }

  private static func streamJSON(
    _ connection: any StoreConnection, sql: String, parameters: [String], chunkSize: Int,
    to write: (UnsafeBufferPointer<UInt8>) -> Void
  ) throws(StoreError) {
    try connection.with(sql) { (statement) throws(StoreError) in
      for (index, value) in parameters.enumerated() { statement.bind(value, at: Int32(index)) }
      var output = JSONOutput(reservingCapacity: chunkSize + 16 * 1024)
      output.beginArray()
      try forEachRow(statement, path: connection.path) { (row) throws(StoreError) in
        try row(&output)
        if output.count >= chunkSize { output.drain(write) }
      }
      output.endArray()
      output.drain(write)
    }
  }
}
