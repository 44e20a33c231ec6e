import StateStore

/// The tables of the agent store: `agents` and their `events`.
extension AgentStore {
  /// The agents component of the state database: its steps, in order. To change the tables, append
  /// a step; never edit one that has shipped.
  package static let schema = StoreSchema(
    component: "agents",
    migrations: [
      StoreMigration(version: 1, legacyVersion: 1, sql: version1),
      StoreMigration(version: 2, legacyVersion: 2, sql: version2),
      StoreMigration(version: 3, legacyVersion: 3, sql: version3),
      StoreMigration(version: 4, sql: version4),
      StoreMigration(version: 5, sql: version5),
      StoreMigration(version: 6, sql: version6),
      StoreMigration(version: 7, sql: version7),
    ],
    postgresMigrations: [
      StoreMigration(version: 5, sql: postgresVersion5), StoreMigration(version: 6, sql: postgresVersion6),
      StoreMigration(version: 7, sql: version7),
    ])

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

  /// Whether an agent's account was pinned by the user (`spawn --account`). Shipped with
  /// `PRAGMA user_version` 2, together with the accounts tables.
  private static let version2 = """
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

  /// Continuing on another provider: the providers an agent falls back to, in order, as a JSON
  /// array of provider names (NULL: none).
  private static let version4 = """
    ALTER TABLE agents ADD COLUMN fallback TEXT;
    """

  /// Children that report to their parent when they settle (`spawn` inside an agent; `--no-report`
  /// turns it off).
  private static let version5 = """
    ALTER TABLE agents ADD COLUMN reports_to_parent INTEGER NOT NULL DEFAULT 0;
    """

  /// Several controllers on one store: the machine that supervises each agent (NULL for rows written
  /// before: the machine reading them), and the boot its supervisor and CLI ran in (NULL: unknown,
  /// looked for in the running boot), so a pid is judged only on its own machine and a reboot is
  /// seen as the end of the processes.
  private static let version6 = """
    ALTER TABLE agents ADD COLUMN machine TEXT;
    ALTER TABLE agents ADD COLUMN supervisor_boot_id TEXT;
    ALTER TABLE agents ADD COLUMN cli_boot_id TEXT;
    """

  /// Indexes for what every command reads before its own work, so that it costs the same in a home
  /// of 10,000 agents as in an empty one (both engines):
  /// - the statuses by time of change: the agents that settled lately (their logs may hold output
  ///   nobody parsed), a range of each terminal status instead of every settled agent;
  /// - the statuses with the worktree: those waiting for input in a worktree (a reconcile pass
  ///   checks the worktree is still there), without reading every waiting agent's row;
  /// - the rows with something in a JSON column, which `list --json` checks before it writes a
  ///   byte: usually few, instead of the whole table.
  static let version7 = """
    DROP INDEX agents_by_status;
    CREATE INDEX agents_by_status ON agents(status, updated_at);
    CREATE INDEX agents_by_status_worktree ON agents(status, worktree_path);
    CREATE INDEX agents_with_json ON agents(status)
      WHERE extra_arguments IS NOT NULL OR fallback IS NOT NULL OR pending_questions IS NOT NULL;
    """
}
