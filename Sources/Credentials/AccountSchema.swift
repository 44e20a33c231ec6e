import StateStore

/// The tables of the account store: `accounts` and their `account_events`.
extension AccountStore {
  /// The accounts component of the state database: its steps, in order. To change the tables,
  /// append a step; never edit one that has shipped.
  package static let schema = StoreSchema(
    component: "accounts",
    migrations: [
      StoreMigration(version: 1, legacyVersion: 2, sql: version1),
      StoreMigration(version: 2, sql: version2),
      StoreMigration(version: 3, sql: leasesVersion),
    ])

  /// Accounts (provider subscriptions and keys) and their history. Shipped with
  /// `PRAGMA user_version` 2, together with the agents' `account_pinned` column.
  ///
  /// - `secret` is the only column that may hold secret text (an API key or token; NULL for an
  ///   account whose credential file lives in its config dir).
  /// - Labels are unique per provider, ignoring ASCII case.
  /// - Deleting an account deletes its events.
  private static let version1 = """
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
    """

  /// The latest quota reading of each of an account's usage windows (see ``QuotaReading``): one row
  /// per account and window, replaced by each newer reading; `read_at` is when it was read.
  private static let version2 = """
    CREATE TABLE account_quota (
      account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      window TEXT NOT NULL,
      utilization REAL NOT NULL,
      resets_at REAL,
      status TEXT,
      window_minutes INTEGER,
      read_at REAL NOT NULL,
      PRIMARY KEY (account_id, window)
    );
    """
}
