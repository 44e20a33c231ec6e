/// One step of a component's schema, applied once, in order, inside the migration transaction.
package struct StoreMigration: Sendable {
  /// The component's version after this step; a component's steps are numbered 1, 2, 3, …
  package let version: Int
  /// The `PRAGMA user_version` (1–3) under which this step shipped while the whole database had one
  /// schema version, or nil for a step added since. Lets a file written then be read as a set of
  /// component versions without rewriting it.
  package let legacyVersion: Int?
  /// Applies the step. Runs inside a `BEGIN IMMEDIATE` transaction with every other pending step.
  package let apply: @Sendable (any StoreConnection) throws(StoreError) -> Void

  /// A step that runs `sql` (one or more statements, no parameters).
  package init(version: Int, legacyVersion: Int? = nil, sql: String) {
    self.version = version
    self.legacyVersion = legacyVersion
    self.apply = { (connection) throws(StoreError) in try connection.execute(sql) }
  }

  /// A step that runs arbitrary code (for data transformations SQL alone cannot express).
  package init(
    version: Int, legacyVersion: Int? = nil,
    apply: @escaping @Sendable (any StoreConnection) throws(StoreError) -> Void
  ) {
    self.version = version
    self.legacyVersion = legacyVersion
    self.apply = apply
  }
}

/// The tables of one store (a "component" of the state database), as an ordered list of migrations
/// with their own version numbers. Each store owns its schema; ``StateDatabase`` keeps every
/// component's version in the `schema_versions` table and applies the steps a file lacks.
///
/// To change a component's tables, append a step; never edit a step that has shipped (databases in
/// the field have already run it).
package struct StoreSchema: Sendable {
  /// The component's name, its key in `schema_versions` (`agents`, `accounts`).
  package let component: String
  /// Every step, in order (SQLite).
  package let migrations: [StoreMigration]
  /// The steps on PostgreSQL, numbered like ``migrations``: PostgreSQL stores began at a later
  /// version, so their first step makes the tables as the SQLite steps up to its version left them.
  /// Empty when the component has no PostgreSQL tables yet.
  package let postgresMigrations: [StoreMigration]

  /// A component called `component` made of `migrations` (numbered 1, 2, 3, …), and of
  /// `postgresMigrations` on PostgreSQL (numbered to match: the last one of each has the same
  /// version).
  package init(component: String, migrations: [StoreMigration], postgresMigrations: [StoreMigration] = []) {
    self.component = component
    self.migrations = migrations
    self.postgresMigrations = postgresMigrations
  }

  /// The component's version this build writes.
  package var currentVersion: Int { migrations.last?.version ?? 0 }

  /// The steps for `engine`.
  package func migrations(for engine: StoreEngine) -> [StoreMigration] {
    engine == .sqlite ? migrations : postgresMigrations
  }

  /// The component's version in a file last written with one schema version for the whole database
  /// (`PRAGMA user_version` `legacy`, 0 for none): its steps that had shipped by then.
  package func version(atLegacyVersion legacy: Int) -> Int {
    migrations.last { step in step.legacyVersion.map { $0 <= legacy } ?? false }?.version ?? 0
  }
}
