/// One step of the database schema, applied once, in order, inside the migration transaction.
package struct StoreMigration: Sendable {
  /// The schema version after this step (`PRAGMA user_version`); steps are numbered 1, 2, 3, …
  package let version: Int
  /// Applies the step. Runs inside a `BEGIN IMMEDIATE` transaction with every other pending step.
  package let apply: @Sendable (SQLiteConnection) throws(StoreError) -> Void

  /// A step that runs `sql` (one or more statements, no parameters).
  package init(version: Int, sql: String) {
    self.version = version
    self.apply = { (connection) throws(StoreError) in try connection.execute(sql) }
  }

  /// A step that runs arbitrary code (for data transformations SQL alone cannot express).
  package init(version: Int, apply: @escaping @Sendable (SQLiteConnection) throws(StoreError) -> Void) {
    self.version = version
    self.apply = apply
  }
}

/// The database schema, as an ordered list of migrations. To change it, append a step; never edit
/// a step that has shipped (databases in the field have already run it).
package enum StoreSchema {
  /// `PRAGMA application_id` of a multiagent database ("MAgt"), so that another application's SQLite
  /// file is refused instead of being written into.
  package static let applicationID: Int32 = 0x4D41_6774

  /// Every step, in order.
  package static let migrations: [StoreMigration] = [
    StoreMigration(version: 1, sql: version1),
    StoreMigration(version: 2, sql: version2),
    StoreMigration(version: 3, sql: version3),
  ]

  /// The schema version this build writes.
  package static var currentVersion: Int { migrations.last?.version ?? 0 }

  /// Agents and their status-change (and other) events.
  ///
  /// - Times are REAL seconds since 1970-01-01 UTC.
  /// - JSON columns (`extra_arguments`, `pending_questions`, `events.data`) are NULL when empty.
  /// - Names are unique ignoring ASCII case: they name worktree folders and branches, and macOS file
  ///   systems ignore case.
  /// - `parent_id` becomes NULL when the parent row is deleted; deleting an agent deletes its events.
  private static let version1 = """
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
    """

  /// Accounts (provider subscriptions and keys), their history, and whether an agent's account was
  /// pinned by the user.
  ///
  /// - `secret` is the only column that may hold secret text (an API key or token; NULL for an
  ///   account whose credential file lives in its config dir).
  /// - Labels are unique per provider, ignoring ASCII case.
  /// - Deleting an account deletes its events.
  private static let version2 = """
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
    """

  /// Sub-agents: each agent's secret token, as a hash, and whether it outlives its parent's end.
  ///
  /// - `token_hash` is the SHA-256 (lowercase hex) of the agent's `MULTIAGENT_TOKEN`; the token itself
  ///   is never stored here. NULL for agents created before this version (they hold no token).
  /// - `detached_from_parent` is 1 for agents spawned with `--detach-from-parent`: they keep running
  ///   when their parent completes or fails.
  private static let version3 = """
    ALTER TABLE agents ADD COLUMN token_hash TEXT;
    ALTER TABLE agents ADD COLUMN detached_from_parent INTEGER NOT NULL DEFAULT 0;
    """
}
