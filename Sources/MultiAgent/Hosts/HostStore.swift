import StateStore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The hosts agents can run on, in the state database (`<home>/state.db`): the `hosts` component.
///
/// Every change is one `BEGIN IMMEDIATE` transaction, like the agent and account stores on the same
/// file.
package struct HostStore: Sendable {
  let database: StateDatabase

  /// Hosts in a database this process has open; whoever opened it migrated ``schema``.
  package init(database: StateDatabase) {
    self.database = database
  }

  /// The hosts component of the state database: its steps, in order. To change the table, append a
  /// step; never edit one that has shipped.
  package static let schema = StoreSchema(
    component: "hosts", migrations: [StoreMigration(version: 1, sql: version1)],
    postgresMigrations: [StoreMigration(version: 1, sql: postgresVersion1)])

  /// One row per host. Names are unique ignoring ASCII case, like agent names. `identity_file` is a
  /// path (never a key); times are REAL seconds since 1970-01-01 UTC.
  private static let version1 = """
    CREATE TABLE hosts (
      name TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
      user TEXT,
      address TEXT NOT NULL,
      port INTEGER NOT NULL DEFAULT 22,
      identity_file TEXT,
      created_at REAL NOT NULL
    );
    """

  /// The table on PostgreSQL: the same columns in its types, names case-insensitive as on SQLite.
  private static let postgresVersion1 = """
    CREATE TABLE hosts (
      name TEXT PRIMARY KEY NOT NULL COLLATE \(StateDatabase.postgresNoCaseCollation),
      "user" TEXT,
      address TEXT NOT NULL,
      port BIGINT NOT NULL DEFAULT 22,
      identity_file TEXT,
      created_at DOUBLE PRECISION NOT NULL
    );
    """

  /// `user` is quoted: PostgreSQL reads it bare as the session's user.
  private static let columns = "name, \"user\", address, port, identity_file, created_at"

  /// Stores `host`.
  ///
  /// - Throws: ``StoreError``: `nameTaken` when a host has this name (ignoring ASCII case).
  package func add(_ host: RemoteHost) throws(StoreError) {
    try database.write { (connection) throws(StoreError) in
      if let existing = try Self.fetch(name: host.name, connection) {
        throw StoreError(
          code: .nameTaken, message: "a host named \"\(existing.name)\" exists already", path: connection.path
        )
      }
      try connection.with("INSERT INTO hosts (\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?)") {
        (statement) throws(StoreError) in
        statement.bind(host.name, at: 0)
        statement.bind(host.user, at: 1)
        statement.bind(host.address, at: 2)
        statement.bind(host.port, at: 3)
        statement.bind(host.identityFile, at: 4)
        statement.bind(host.createdAt.timeIntervalSince1970, at: 5)
        try statement.run()
      }
    }
  }

  /// The host called `name` (ignoring ASCII case), or nil.
  package func host(named name: String) throws(StoreError) -> RemoteHost? {
    try database.read { (connection) throws(StoreError) in try Self.fetch(name: name, connection) }
  }

  /// Every host, by name.
  package func list() throws(StoreError) -> [RemoteHost] {
    try database.read { (connection) throws(StoreError) -> [RemoteHost] in
      try connection.query("SELECT \(Self.columns) FROM hosts ORDER BY name") { statement in
        Self.host(statement)
      }
    }
  }

  /// Forgets the host called `name`.
  ///
  /// - Returns: whether there was one.
  @discardableResult
  package func remove(named name: String) throws(StoreError) -> Bool {
    try database.write { (connection) throws(StoreError) -> Bool in
      guard try Self.fetch(name: name, connection) != nil else { return false }
      try connection.with("DELETE FROM hosts WHERE name = ?") { (statement) throws(StoreError) in
        statement.bind(name, at: 0)
        try statement.run()
      }
      return true
    }
  }

  private static func fetch(name: String, _ connection: any StoreConnection) throws(StoreError) -> RemoteHost?
  {
    try connection.with("SELECT \(columns) FROM hosts WHERE name = ?") { (statement) throws(StoreError) in
      statement.bind(name, at: 0)
      return try statement.step() ? host(statement) : nil
    }
  }

  private static func host(_ statement: any StoreStatement) -> RemoteHost {
    RemoteHost(
      name: statement.string(0) ?? "", user: statement.string(1), address: statement.string(2) ?? "",
      port: Int(statement.int64(3) ?? 22), identityFile: statement.string(4),
      createdAt: Date(timeIntervalSince1970: statement.double(5) ?? 0))
  }
}
