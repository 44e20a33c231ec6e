/// Bringing each component's tables up to date on PostgreSQL.
///
/// The same `schema_versions` table as SQLite's (component → version), made when missing; each
/// component's ``StoreSchema/postgresMigrations`` apply. Many controllers may open a fresh database
/// at once: all of it runs under the write lock, so exactly one of them migrates.
extension StateDatabase {
  /// Case-insensitive text for names (agents, hosts) and labels (accounts): what `COLLATE NOCASE`
  /// is on SQLite. ICU's level-2 strength ignores case (and only case).
  package static let postgresNoCaseCollation = "multiagent_nocase"

  /// Applies every pending PostgreSQL step of `schemas` in one write-locked transaction.
  package static func migrate(_ connection: PostgresConnection, _ schemas: [StoreSchema]) throws(StoreError) {
    try connection.immediateTransaction { () throws(StoreError) in
      try connection.execute(
        """
        CREATE TABLE IF NOT EXISTS schema_versions (
          component TEXT PRIMARY KEY NOT NULL, version BIGINT NOT NULL);
        """)
      let versions = try Self.versions(connection)
      if schemas.contains(where: { (versions[$0.component] ?? 0) < $0.currentVersion }) {
        try connection.execute(
          """
          DO $$ BEGIN
            CREATE COLLATION \(postgresNoCaseCollation)
              (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
          EXCEPTION WHEN duplicate_object THEN NULL; END $$;
          """)
      }
      for schema in schemas {
        let version = versions[schema.component] ?? 0
        guard version != schema.currentVersion else { continue }
        guard version < schema.currentVersion else {
          throw StoreError(
            code: .schemaTooNew,
            message: "was written by a newer multiagent (\(schema.component) schema version \(version); "
              + "this build knows \(schema.currentVersion)); upgrade multiagent",
            path: connection.path)
        }
        let steps = schema.postgresMigrations.filter { $0.version > version }
        guard steps.last?.version == schema.currentVersion,
          version == 0 || steps.count < schema.postgresMigrations.count
        else {
          throw StoreError(
            code: .invalidValue,
            message: "the \(schema.component) tables cannot be kept on PostgreSQL by this build",
            path: connection.path)
        }
        for step in steps { try step.apply(connection) }
        try connection.with(
          "INSERT INTO schema_versions (component, version) VALUES (?, ?) "
            + "ON CONFLICT (component) DO UPDATE SET version = excluded.version"
        ) { (statement) throws(StoreError) in
          statement.bind(schema.component, at: 0)
          statement.bind(schema.currentVersion, at: 1)
          try statement.run()
        }
      }
    }
  }

  /// The rows of `schema_versions`.
  static func versions(_ connection: any StoreConnection) throws(StoreError) -> [String: Int] {
    var versions: [String: Int] = [:]
    for (component, version) in try connection.query(
      "SELECT component, version FROM schema_versions", row: { ($0.string(0) ?? "", Int($0.int64(1) ?? 0)) })
    {
      versions[component] = version
    }
    return versions
  }
}
