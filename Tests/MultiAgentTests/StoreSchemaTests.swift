import Foundation
import StateStore
import TestSupport
import Testing

@testable import Credentials
@testable import MultiAgent

/// Each store brings its own tables: the agents and accounts components migrate separately, files
/// written while every table shared one schema version open as they are, and the agent store owns
/// the count of agents per account.
@Suite struct StoreSchemaTests {
  let directory: TemporaryDirectory
  let path: String
  init() throws {
    directory = try TemporaryDirectory(prefix: "schema")
    path = directory.path("state.db")
  }

  /// The schema as the code before per-store schemas wrote it, frozen here: its steps 1, 2 and 3
  /// (`PRAGMA user_version` 1, 2, 3), verbatim.
  static let legacySteps = [
    """
    CREATE TABLE agents (
      id TEXT PRIMARY KEY NOT NULL,
      name TEXT NOT NULL UNIQUE COLLATE NOCASE,
      provider TEXT NOT NULL,
      account TEXT,
      model TEXT,
      task_id TEXT,
      parent_id TEXT REFERENCES agents(id) ON DELETE SET NULL,
      status TEXT NOT NULL,
      session_id TEXT,
      prompt_summary TEXT,
      cwd TEXT,
      worktree_path TEXT,
      branch TEXT,
      base_ref TEXT,
      created_worktree INTEGER NOT NULL DEFAULT 0,
      created_branch INTEGER NOT NULL DEFAULT 0,
      extra_arguments TEXT,
      supervisor_pid INTEGER,
      supervisor_start_time INTEGER,
      supervisor_spawn_id TEXT,
      cli_pid INTEGER,
      cli_start_time INTEGER,
      cli_spawn_id TEXT,
      exit_code INTEGER,
      exit_signal INTEGER,
      parse_offset INTEGER NOT NULL DEFAULT 0,
      pending_questions TEXT,
      result TEXT,
      error TEXT,
      created_at REAL NOT NULL,
      updated_at REAL NOT NULL,
      started_at REAL,
      finished_at REAL,
      dismissed_at REAL
    );
    CREATE INDEX agents_by_created ON agents(created_at);
    CREATE INDEX agents_by_status ON agents(status);
    CREATE INDEX agents_by_parent ON agents(parent_id);
    CREATE TABLE events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
      time REAL NOT NULL,
      type TEXT NOT NULL,
      from_status TEXT,
      to_status TEXT,
      message TEXT,
      data TEXT
    );
    CREATE INDEX events_by_agent ON events(agent_id, id);
    """,
    """
    CREATE TABLE accounts (
      id TEXT PRIMARY KEY NOT NULL,
      provider TEXT NOT NULL,
      label TEXT NOT NULL COLLATE NOCASE,
      kind TEXT NOT NULL,
      status TEXT NOT NULL,
      exhausted_until REAL,
      last_used_at REAL,
      recent_error_count INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      config_directory TEXT NOT NULL,
      created_at REAL NOT NULL,
      secret TEXT,
      UNIQUE (provider, label)
    );
    CREATE INDEX accounts_by_provider ON accounts(provider);
    CREATE TABLE account_events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      time REAL NOT NULL,
      type TEXT NOT NULL,
      message TEXT
    );
    CREATE INDEX account_events_by_account ON account_events(account_id, id);
    ALTER TABLE agents ADD COLUMN account_pinned INTEGER NOT NULL DEFAULT 0;
    """,
    """
    ALTER TABLE agents ADD COLUMN token_hash TEXT;
    ALTER TABLE agents ADD COLUMN detached_from_parent INTEGER NOT NULL DEFAULT 0;
    """,
  ]

  /// A file as the code before per-store schemas left it at `version` (1–3): one agent and, from
  /// version 2, one account.
  func writeLegacyFile(version: Int) throws {
    let connection = try SQLiteConnection.open(path: path, busyTimeout: .seconds(1), retryLimit: .seconds(1))
    for step in Self.legacySteps.prefix(version) { try connection.execute(step) }
    try connection.execute(
      "INSERT INTO agents (id, name, provider, account, status, created_at, updated_at) "
        + "VALUES ('old1', 'old-agent', 'claude', 'work', 'running', 1, 1)")
    if version >= 2 {
      try connection.execute(
        "INSERT INTO accounts (id, provider, label, kind, status, config_directory, created_at, secret) "
          + "VALUES ('acc00001', 'claude', 'work', 'api_key', 'available', '/x', 1, 'k')")
    }
    try connection.execute(
      "PRAGMA application_id = \(StateDatabase.applicationID); PRAGMA user_version = \(version)")
  }

  /// `type name sql` of every schema object but the `schema_versions` bookkeeping, by name.
  static func objects(_ database: StateDatabase) throws -> [String] {
    try database.read { (connection) throws(StoreError) in
      try connection.query(
        "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema "
          + "WHERE name NOT LIKE '%schema_versions%' ORDER BY name"
      ) { $0.string(0) ?? "" }
    }
  }

  /// The rows of `schema_versions`, or nil when the file has no such table.
  static func versionRows(_ database: StateDatabase) throws -> [String]? {
    try database.read { (connection) throws(StoreError) -> [String]? in
      let tables = try connection.query("SELECT name FROM sqlite_schema WHERE name = 'schema_versions'") {
        $0.string(0) ?? ""
      }
      guard !tables.isEmpty else { return nil }
      return try connection.query(
        "SELECT component || '=' || version FROM schema_versions ORDER BY component"
      ) {
        $0.string(0) ?? ""
      }
    }
  }

  @Test func aFileOfTheSingleSchemaOpensWithItsRowsAndOnlyTheNewerSteps() throws {
    try writeLegacyFile(version: 3)
    let agents = try AgentStore(path: path)
    // Its versions are read from the old one; only the steps added since (the accounts' quota
    // readings and leases to hosts, the agents' fallback providers) run, and the bookkeeping records
    // them.
    #expect(try agents.database.format == StateDatabase.formatVersion)
    #expect(try Self.versionRows(agents.database) == ["(legacy)=3", "accounts=3", "agents=7"])
    #expect(try agents.database.schemaVersion(of: AgentStore.schema) == AgentStore.schemaVersion)
    #expect(try agents.database.schemaVersion(of: AccountStore.schema) == AccountStore.schema.currentVersion)
    #expect(try agents.agent(id: "old1")?.name == "old-agent")
    let accounts = try AccountStore(databasePath: path, accountsDirectory: directory.path("accounts"))
    #expect(try accounts.account(id: "acc00001")?.label == "work")
    #expect(try accounts.secret(id: "acc00001") == .apiKey("k"))

    // And it holds exactly the tables a new file gets.
    let fresh = try AgentStore(path: directory.path("fresh.db"))
    #expect(try Self.objects(fresh.database) == Self.objects(agents.database))
    #expect(try Self.versionRows(fresh.database) == ["accounts=3", "agents=7"])
    #expect(try fresh.database.format == StateDatabase.formatVersion)
  }

  @Test func anOlderFileMigratesOneComponentAtATime() throws {
    try writeLegacyFile(version: 1)
    // The account store alone adds its tables and leaves the agents' as they were.
    let accounts = try AccountStore(databasePath: path, accountsDirectory: directory.path("accounts"))
    #expect(try accounts.list().isEmpty)
    #expect(try Self.versionRows(accounts.database) == ["(legacy)=1", "accounts=3"])
    #expect(try accounts.database.schemaVersion(of: AgentStore.schema) == 1)
    // The agent store then brings the agents tables up to date, keeping their rows.
    let agents = try AgentStore(path: path)
    #expect(try Self.versionRows(agents.database) == ["(legacy)=1", "accounts=3", "agents=7"])
    let record = try agents.agent(id: "old1")
    #expect(record?.name == "old-agent" && record?.accountPinned == false)
    #expect(try agents.tokenHash(id: "old1") == nil)
    let fresh = try AgentStore(path: directory.path("fresh.db"))
    #expect(try Self.objects(fresh.database) == Self.objects(agents.database))
  }

  @Test func componentsOfAFreshFileMigrateInAnyOrder() throws {
    let accounts = try AccountStore(databasePath: path, accountsDirectory: directory.path("accounts"))
    #expect(try Self.versionRows(accounts.database) == ["accounts=3"])
    let agents = try AgentStore(path: path)
    let together = try AgentStore(path: directory.path("together.db"))
    #expect(try Self.objects(together.database) == Self.objects(agents.database))
  }

  @Test func refusesAComponentNewerThanThisBuild() throws {
    let store = try AgentStore(path: path)
    try store.database.write { (connection) throws(StoreError) in
      try connection.execute("UPDATE schema_versions SET version = 99 WHERE component = 'accounts'")
    }
    let error = #expect(throws: StoreError.self) { try AgentStore(path: path) }
    #expect(error?.code == .schemaTooNew)
    #expect(error?.message.contains("accounts schema version 99") == true)
  }

  @Test func agentsHaveThePinnedColumnAndTheAccountsTables() throws {
    let store = try AgentStore(path: path)
    let (tables, agentColumns) = try store.database.read { (connection) throws(StoreError) in
      (
        try connection.query("SELECT name FROM sqlite_schema ORDER BY name") { $0.string(0) ?? "" },
        try connection.query("SELECT name FROM pragma_table_info('agents')") { $0.string(0) ?? "" }
      )
    }
    for name in ["accounts", "account_events", "accounts_by_provider", "account_events_by_account"] {
      #expect(tables.contains(name))
    }
    #expect(agentColumns.contains("account_pinned"))
  }

  @Test func countsAgentsThatAreNotDone() throws {
    let store = try AgentStore(path: path)
    let accounts = AccountStore(database: store.database, accountsDirectory: directory.path("accounts"))
    let account = try accounts.add(provider: "claude", label: "work", secret: .apiKey("k"))
    try store.database.write { (connection) throws(StoreError) in
      var n = 0
      for (account, status) in [
        (account.id, "running"), ("work", "waiting_for_account"), (account.id, "completed"),
        ("work", "crashed"), ("other", "running"),
      ] {
        n += 1
        try connection.execute(
          "INSERT INTO agents (id, name, provider, account, status, created_at, updated_at) "
            + "VALUES ('a\(n)', 'agent-\(n)', 'claude', '\(account)', '\(status)', 0, 0)")
      }
    }
    #expect(try store.activeAgentCount(using: account) == 2)
  }
}
