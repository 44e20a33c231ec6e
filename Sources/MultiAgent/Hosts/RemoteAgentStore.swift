import StateStore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// An agent that runs on a host: the controller's row pointing at the agent of the same name in the
/// host's own multiagent home, with the last record the host gave (see ``Hosts/spawnRemote(_:)``).
public struct RemoteAgent: Sendable, Hashable {
  /// The agent's name, here and on the host.
  public var name: String
  /// The host's name in multiagent.
  public var host: String
  /// The agent's id on the host.
  public var remoteID: String
  /// The provider it runs.
  public var provider: String
  /// The local repository its branch comes back to, or nil when it runs without a worktree.
  public var repository: String?
  /// The host's repository (a path under the remote user's home) its worktree was made from.
  public var mirror: String?
  /// The last record the host printed for it (`show --json`), as JSON text.
  public var lastRecord: String
  /// The status in that record (`running`, `completed`, …).
  public var lastStatus: String
  /// Whether its branch was fetched into ``repository`` after it settled.
  public var fetched: Bool
  /// When it was spawned.
  public var createdAt: Date

  /// Creates a row value.
  public init(
    name: String, host: String, remoteID: String, provider: String, repository: String?, mirror: String?,
    lastRecord: String, lastStatus: String, fetched: Bool = false, createdAt: Date = Date()
  ) {
    self.name = name
    self.host = host
    self.remoteID = remoteID
    self.provider = provider
    self.repository = repository
    self.mirror = mirror
    self.lastRecord = lastRecord
    self.lastStatus = lastStatus
    self.fetched = fetched
    self.createdAt = createdAt
  }
}

/// The agents running on hosts, in the state database: the `remote_agents` component. Local agents
/// never appear here; their tables are untouched.
package struct RemoteAgentStore: Sendable {
  let database: StateDatabase

  /// Rows in a database this process has open; whoever opened it migrated ``schema``.
  package init(database: StateDatabase) {
    self.database = database
  }

  /// The component's steps, in order. Append; never edit one that has shipped.
  package static let schema = StoreSchema(
    component: "remote_agents", migrations: [StoreMigration(version: 1, sql: version1)],
    postgresMigrations: [StoreMigration(version: 1, sql: postgresVersion1)])

  private static let version1 = """
    CREATE TABLE remote_agents (
      name TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
      host TEXT NOT NULL COLLATE NOCASE,
      remote_id TEXT NOT NULL,
      provider TEXT NOT NULL,
      repository TEXT,
      mirror TEXT,
      last_record TEXT NOT NULL,
      last_status TEXT NOT NULL,
      fetched INTEGER NOT NULL DEFAULT 0,
      created_at REAL NOT NULL
    );
    """

  /// The table on PostgreSQL: the same columns in its types, names case-insensitive as on SQLite.
  private static let postgresVersion1 = """
    CREATE TABLE remote_agents (
      name TEXT PRIMARY KEY NOT NULL COLLATE \(StateDatabase.postgresNoCaseCollation),
      host TEXT NOT NULL COLLATE \(StateDatabase.postgresNoCaseCollation),
      remote_id TEXT NOT NULL,
      provider TEXT NOT NULL,
      repository TEXT,
      mirror TEXT,
      last_record TEXT NOT NULL,
      last_status TEXT NOT NULL,
      fetched BIGINT NOT NULL DEFAULT 0,
      created_at DOUBLE PRECISION NOT NULL
    );
    """

  private static let columns =
    "name, host, remote_id, provider, repository, mirror, last_record, last_status, fetched, created_at"

  /// Stores `agent`, replacing the row of the same name.
  package func save(_ agent: RemoteAgent) throws(StoreError) {
    try database.write { (connection) throws(StoreError) in
      try connection.with(
        "INSERT INTO remote_agents (\(Self.columns)) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (name) DO UPDATE SET "
          + Self.columns.split(separator: ", ").dropFirst().map { "\($0) = excluded.\($0)" }.joined(
            separator: ",")
      ) {
        (statement) throws(StoreError) in
        statement.bind(agent.name, at: 0)
        statement.bind(agent.host, at: 1)
        statement.bind(agent.remoteID, at: 2)
        statement.bind(agent.provider, at: 3)
        statement.bind(agent.repository, at: 4)
        statement.bind(agent.mirror, at: 5)
        statement.bind(agent.lastRecord, at: 6)
        statement.bind(agent.lastStatus, at: 7)
        statement.bind(agent.fetched, at: 8)
        statement.bind(agent.createdAt.timeIntervalSince1970, at: 9)
        try statement.run()
      }
    }
  }

  /// The remote agent called `reference` (its name ignoring ASCII case, or its id on the host).
  package func agent(_ reference: String) throws(StoreError) -> RemoteAgent? {
    try database.read { (connection) throws(StoreError) in
      try connection.with("SELECT \(Self.columns) FROM remote_agents WHERE name = ? OR remote_id = ?") {
        (statement) throws(StoreError) in
        statement.bind(reference, at: 0)
        statement.bind(reference, at: 1)
        return try statement.step() ? Self.agent(statement) : nil
      }
    }
  }

  /// Every remote agent, oldest first.
  package func list() throws(StoreError) -> [RemoteAgent] {
    try database.read { (connection) throws(StoreError) -> [RemoteAgent] in
      try connection.query("SELECT \(Self.columns) FROM remote_agents ORDER BY created_at, name") {
        Self.agent($0)
      }
    }
  }

  /// Forgets the agent called `name`.
  package func remove(named name: String) throws(StoreError) {
    try database.write { (connection) throws(StoreError) in
      try connection.with("DELETE FROM remote_agents WHERE name = ?") { (statement) throws(StoreError) in
        statement.bind(name, at: 0)
        try statement.run()
      }
    }
  }

  private static func agent(_ statement: any StoreStatement) -> RemoteAgent {
    RemoteAgent(
      name: statement.string(0) ?? "", host: statement.string(1) ?? "", remoteID: statement.string(2) ?? "",
      provider: statement.string(3) ?? "", repository: statement.string(4), mirror: statement.string(5),
      lastRecord: statement.string(6) ?? "{}", lastStatus: statement.string(7) ?? "",
      fetched: (statement.int64(8) ?? 0) != 0,
      createdAt: Date(timeIntervalSince1970: statement.double(9) ?? 0))
  }
}
