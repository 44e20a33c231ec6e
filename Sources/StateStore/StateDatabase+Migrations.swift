/// Bringing each component's tables up to date.
///
/// The file's `PRAGMA user_version` is its format: 0 for a new file; 1–3 for a file written while
/// every table shared one schema version (each step records the `legacyVersion` it shipped under,
/// so such a file reads as a set of component versions and opens without being rewritten); and
/// ``formatVersion`` once components keep their own versions in the `schema_versions` table.
extension StateDatabase {
  /// `PRAGMA application_id` of a multiagent database ("MAgt"), so that another application's SQLite
  /// file is refused instead of being written into.
  package static let applicationID: Int32 = 0x4D41_6774

  /// `PRAGMA user_version` of a file whose components keep their own versions in `schema_versions`.
  package static let formatVersion = 4

  /// The `schema_versions` row of a file converted from one schema version for every table: the
  /// `user_version` it had. A component without a row of its own is at the version its steps up to
  /// that one gave it.
  static let legacyComponent = "(legacy)"

  /// The version of `schema`'s component in the file (0 when it has none of its tables yet).
  package func schemaVersion(of schema: StoreSchema) throws(StoreError) -> Int {
    try read { (connection) throws(StoreError) -> Int in
      guard let sqlite = connection as? SQLiteConnection else {
        return try Self.versions(connection)[schema.component] ?? 0
      }
      return try Self.layout(sqlite, [schema]).version(of: schema)
    }
  }

  /// The file's format (`PRAGMA user_version`; ``formatVersion`` on PostgreSQL).
  package var format: Int {
    get throws(StoreError) {
      try read { (connection) throws(StoreError) -> Int in
        guard let sqlite = connection as? SQLiteConnection else { return Self.formatVersion }
        return try Self.userVersion(sqlite)
      }
    }
  }

  /// Applies every pending step of `schemas` in one `BEGIN IMMEDIATE` transaction. Many processes may
  /// open a fresh file at once: each re-reads the versions once it holds the write lock, so exactly
  /// one of them migrates and the others find nothing to do.
  package static func migrate(_ connection: SQLiteConnection, _ schemas: [StoreSchema]) throws(StoreError) {
    let found = try connection.retryingWhileBusy { () throws(StoreError) -> Layout in
      try layout(connection, schemas)
    }
    guard found.isBehind(schemas) else { return }
    try connection.immediateTransaction { () throws(StoreError) in
      let found = try layout(connection, schemas)
      guard found.isBehind(schemas) else { return }
      if found.format == 0 { try refuseForeign(connection) }
      if found.format < formatVersion { try convert(connection, from: found.format) }
      for schema in schemas {
        let version = found.version(of: schema)
        guard version < schema.currentVersion else { continue }
        for step in schema.migrations where step.version > version { try step.apply(connection) }
        try setVersion(schema.currentVersion, of: schema.component, connection)
      }
    }
  }

  /// What a file holds: its format and the rows of `schema_versions`.
  struct Layout {
    var format: Int
    var rows: [String: Int]

    /// The version of `schema`'s component: its row, else what the legacy version gave it.
    func version(of schema: StoreSchema) -> Int {
      if let version = rows[schema.component] { return version }
      let legacy = format < StateDatabase.formatVersion ? format : rows[StateDatabase.legacyComponent] ?? 0
      return schema.version(atLegacyVersion: legacy)
    }

    /// Whether any of `schemas` has steps the file lacks.
    func isBehind(_ schemas: [StoreSchema]) -> Bool {
      schemas.contains { version(of: $0) < $0.currentVersion }
    }
  }

  /// The file's layout, after checking that it is ours and that no component is newer than this
  /// build knows.
  static func layout(_ connection: SQLiteConnection, _ schemas: [StoreSchema]) throws(StoreError) -> Layout {
    let application = try connection.query("PRAGMA application_id") { $0.int64(0) ?? 0 }.first ?? 0
    guard application == 0 || application == Int64(applicationID) else {
      throw StoreError(
        code: .corrupt,
        message: "is a SQLite database of another application (application id \(application)); "
          + "move it away to start afresh",
        path: connection.path)
    }
    let format = try userVersion(connection)
    guard format <= formatVersion else { throw tooNew(connection, "schema version \(format)", formatVersion) }
    var rows: [String: Int] = [:]
    if format == formatVersion {
      for (component, version) in try connection.query(
        "SELECT component, version FROM schema_versions",
        row: {
          ($0.string(0) ?? "", Int($0.int64(1) ?? 0))
        })
      {
        rows[component] = version
      }
    }
    let found = Layout(format: format, rows: rows)
    for schema in schemas where found.version(of: schema) > schema.currentVersion {
      throw tooNew(
        connection, "\(schema.component) schema version \(found.version(of: schema))", schema.currentVersion)
    }
    return found
  }

  /// Refuses a file without a multiagent format that already holds tables.
  private static func refuseForeign(_ connection: SQLiteConnection) throws(StoreError) {
    let objects = try connection.query("SELECT count(*) FROM sqlite_schema") { $0.int64(0) ?? 0 }
    guard objects.first == 0 else {
      throw StoreError(
        code: .corrupt,
        message: "is a SQLite database of another application (it has tables but no multiagent "
          + "schema version); move it away to start afresh",
        path: connection.path)
    }
  }

  /// Turns a new or legacy file into one whose components keep their own versions.
  private static func convert(_ connection: SQLiteConnection, from legacy: Int) throws(StoreError) {
    try connection.execute(
      "CREATE TABLE schema_versions (component TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL)")
    if legacy > 0 { try setVersion(legacy, of: legacyComponent, connection) }
    // PRAGMA takes no parameters; both values are constants of this program, not data.
    try connection.execute("PRAGMA application_id = \(applicationID); PRAGMA user_version = \(formatVersion)")
  }

  private static func setVersion(_ version: Int, of component: String, _ connection: SQLiteConnection)
    throws(StoreError)
  {
    try connection.with("INSERT OR REPLACE INTO schema_versions (component, version) VALUES (?, ?)") {
      (statement) throws(StoreError) in
      statement.bind(component, at: 0)
      statement.bind(version, at: 1)
      try statement.run()
    }
  }

  private static func tooNew(_ connection: SQLiteConnection, _ what: String, _ known: Int) -> StoreError {
    StoreError(
      code: .schemaTooNew,
      message: "was written by a newer multiagent (\(what); this build knows \(known)); upgrade multiagent",
      path: connection.path)
  }

  static func userVersion(_ connection: SQLiteConnection) throws(StoreError) -> Int {
    Int(try connection.query("PRAGMA user_version") { $0.int64(0) ?? 0 }.first ?? 0)
  }
}
