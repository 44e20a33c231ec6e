import Foundation
import StateStore

/// The provider accounts, in the state database (`<home>/state.db`), and where their config dirs go
/// (`<home>/accounts/<provider>/<id>`).
///
/// Safe to use from many threads and processes at once: every change is one `BEGIN IMMEDIATE`
/// transaction (read-modify-write included), like the agent store on the same file.
///
/// Secrets are kept in the `secret` column only and come out only through ``secret(id:)``; an
/// ``Account`` value never carries one.
public final class AccountStore: Sendable {
  /// The database file.
  public var path: String { database.path }
  /// `<home>/accounts`: the parent of every account's config dir.
  public let accountsDirectory: String
  let database: StateDatabase

  /// Opens (creating when needed) the database at `databasePath` and migrates the accounts tables
  /// (only those: the agents tables belong to the agent store).
  ///
  /// - Parameters:
  ///   - databasePath: the database file; its folder must exist.
  ///   - accountsDirectory: where account config dirs go (`<home>/accounts`).
  ///   - busyTimeout: how long SQLite waits for a lock before each retry.
  /// - Throws: ``StoreError`` (`cannotOpen`, `corrupt`, `schemaTooNew`, `busy`, …).
  public init(databasePath: String, accountsDirectory: String, busyTimeout: Duration = .seconds(15))
    throws(StoreError)
  {
    database = try StateDatabase(path: databasePath, schemas: [Self.schema], busyTimeout: busyTimeout)
    self.accountsDirectory = accountsDirectory
  }

  /// Opens the store at `location` (a SQLite file, or a PostgreSQL server) and migrates the accounts
  /// tables; config dirs go under `accountsDirectory`.
  ///
  /// - Throws: ``StoreError`` (`cannotOpen`, `unavailable`, `corrupt`, `schemaTooNew`, `busy`, …).
  public init(location: StoreLocation, accountsDirectory: String, busyTimeout: Duration = .seconds(15))
    throws(StoreError)
  {
    database = try StateDatabase(location: location, schemas: [Self.schema], busyTimeout: busyTimeout)
    self.accountsDirectory = accountsDirectory
  }

  /// Accounts in a database this process already has open (one connection serves agents and
  /// accounts alike); whoever opened it migrated ``schema``.
  package init(database: StateDatabase, accountsDirectory: String) {
    self.database = database
    self.accountsDirectory = accountsDirectory
  }

  /// Opens `<home>/state.db`, with config dirs under `<home>/accounts` (the home must exist).
  public convenience init(home: String) throws(StoreError) {
    try self.init(databasePath: home + "/state.db", accountsDirectory: home + "/accounts")
  }

  /// `<accounts>/<provider>/<id>`: the config dir an account gets.
  public func configDirectory(provider: String, id: String) -> String {
    accountsDirectory + "/" + provider + "/" + id
  }

  // MARK: Adding and reading

  /// Whether `label` is acceptable: 1–64 letters, digits and `. _ @ + -`, not starting with `-`.
  public static func isValidLabel(_ label: String) -> Bool {
    guard (1...64).contains(label.count), !label.hasPrefix("-") else { return false }
    return label.unicodeScalars.allSatisfy { scalar in
      scalar.isASCII
        && (CharacterSet.alphanumerics.contains(scalar) || "._@+-".unicodeScalars.contains(scalar))
    }
  }

  /// Stores a new account with a fresh id, its config dir path and its secret, and records an
  /// `added` event. The config dir itself is not created (see ``AccountFiles``).
  ///
  /// - Parameters:
  ///   - provider: the provider name.
  ///   - label: unique within the provider, ignoring ASCII case (see ``isValidLabel(_:)``).
  ///   - secret: the key or token, or ``AccountSecret/credentialsFile``; decides the kind.
  ///   - now: the creation time.
  /// - Returns: the account as stored.
  /// - Throws: ``StoreError``: `nameTaken` when the provider already has an account with this label,
  ///   `invalidValue` for an empty provider, an invalid label or an empty secret.
  @discardableResult
  public func add(provider: String, label: String, secret: AccountSecret, at now: Date = Date())
    throws(StoreError) -> Account
  {
    let path = path
    guard !provider.isEmpty else {
      throw StoreError(code: .invalidValue, message: "an account needs a provider", path: path)
    }
    guard Self.isValidLabel(label) else {
      throw StoreError(
        code: .invalidValue,
        message: "invalid label \"\(label)\": use 1-64 letters, digits and . _ @ + - (not starting with -)",
        path: path)
    }
    if let text = secret.text, text.isEmpty {
      throw StoreError(code: .invalidValue, message: "the account's secret is empty", path: path)
    }
    return try database.write { (connection) throws(StoreError) -> Account in
      if let existing = try Self.fetch(provider: provider, label: label, connection) {
        throw StoreError(
          code: .nameTaken,
          message: "\(provider) already has an account labelled \"\(existing.label)\" (id \(existing.id))",
          path: path)
      }
      var id = Self.newID()
      while try Self.fetch(id: id, connection) != nil { id = Self.newID() }
      let account = Account(
        id: id, provider: provider, label: label, kind: secret.kind,
        configDirectory: configDirectory(provider: provider, id: id), createdAt: Self.exact(now))
      try connection.with(AccountRows.insert) { (statement) throws(StoreError) in
        AccountRows.bind(account, to: statement)
        statement.bind(secret.text, at: Int32(AccountColumn.allCases.count))
        try statement.run()
      }
      try Self.insertEvent(
        AccountEvent(id: 0, accountID: id, time: now, type: AccountEvent.Kind.added, message: label),
        connection)
      return account
    }
  }

  /// The account with this id, or nil.
  public func account(id: String) throws(StoreError) -> Account? {
    try database.read { (connection) throws(StoreError) in try Self.fetch(id: id, connection) }
  }

  /// The provider's account with this label (ignoring ASCII case), or nil.
  public func account(provider: String, label: String) throws(StoreError) -> Account? {
    try database.read { (connection) throws(StoreError) in
      try Self.fetch(provider: provider, label: label, connection)
    }
  }

  /// The account a user's reference names: its id, else its label (within `provider` when given).
  ///
  /// - Returns: the account, or nil when nothing matches (or the id names another provider's).
  /// - Throws: ``StoreError`` with code `invalidValue` when `provider` is nil and the label names
  ///   accounts of several providers.
  public func account(reference: String, provider: String? = nil) throws(StoreError) -> Account? {
    let path = path
    return try database.read { (connection) throws(StoreError) -> Account? in
      if let account = try Self.fetch(id: reference, connection) {
        return provider == nil || account.provider == provider ? account : nil
      }
      if let provider { return try Self.fetch(provider: provider, label: reference, connection) }
      let matches = try connection.with(AccountRows.selectAllByLabel) {
        (statement) throws(StoreError) -> [Account] in
        statement.bind(reference, at: 0)
        var accounts: [Account] = []
        while try statement.step() { accounts.append(try AccountRows.account(statement, path: path)) }
        return accounts
      }
      guard matches.count <= 1 else {
        throw StoreError(
          code: .invalidValue,
          message: "\"\(reference)\" labels accounts of "
            + matches.map(\.provider).joined(separator: " and ") + "; name the provider or use the id",
          path: path)
      }
      return matches.first
    }
  }

  /// The accounts of `provider` (all when nil), oldest first (by provider when listing all).
  public func list(provider: String? = nil) throws(StoreError) -> [Account] {
    let path = path
    return try database.read { (connection) throws(StoreError) -> [Account] in
      let sql = provider == nil ? AccountRows.selectAll : AccountRows.selectByProvider
      return try connection.with(sql) { (statement) throws(StoreError) -> [Account] in
        if let provider { statement.bind(provider, at: 0) }
        var accounts: [Account] = []
        while try statement.step() { accounts.append(try AccountRows.account(statement, path: path)) }
        return accounts
      }
    }
  }

  /// The account's secret: its key or token, or ``AccountSecret/credentialsFile`` for an account
  /// whose credential file lives in its config dir.
  ///
  /// - Throws: ``StoreError``: `notFound`, or `invalidValue` when a key or token account has none.
  public func secret(id: String) throws(StoreError) -> AccountSecret {
    let path = path
    return try database.read { (connection) throws(StoreError) -> AccountSecret in
      try Self.secret(id: id, connection, path: path)
    }
  }

  // MARK: Reading rows

  static func fetch(id: String, _ connection: any StoreConnection) throws(StoreError) -> Account? {
    try connection.with(AccountRows.selectByID) { (statement) throws(StoreError) -> Account? in
      statement.bind(id, at: 0)
      return try statement.step() ? try AccountRows.account(statement, path: connection.path) : nil
    }
  }

  static func fetch(provider: String, label: String, _ connection: any StoreConnection)
    throws(StoreError)
    -> Account?
  {
    try connection.with(AccountRows.selectByLabel) { (statement) throws(StoreError) -> Account? in
      statement.bind(provider, at: 0)
      statement.bind(label, at: 1)
      return try statement.step() ? try AccountRows.account(statement, path: connection.path) : nil
    }
  }

  static func secret(id: String, _ connection: any StoreConnection, path: String) throws(StoreError)
    -> AccountSecret
  {
    try connection.with(AccountRows.selectSecret) { (statement) throws(StoreError) -> AccountSecret in
      statement.bind(id, at: 0)
      guard try statement.step() else { throw notFound(id, path) }
      let text = statement.string(1)
      switch statement.string(0).flatMap(Account.Kind.init(rawValue:)) {
      case .credentialsFile: return .credentialsFile
      case .apiKey?: if let text, !text.isEmpty { return .apiKey(text) }
      case .token?: if let text, !text.isEmpty { return .token(text) }
      case nil: break
      }
      throw StoreError(code: .invalidValue, message: "account \(id) has no usable secret stored", path: path)
    }
  }

  static func notFound(_ id: String, _ path: String) -> StoreError {
    StoreError(code: .notFound, message: "no account with id \(id)", path: path)
  }

  /// Eight lowercase hex digits.
  private static func newID() -> String {
    let value = UInt32.random(in: .min ... .max)
    let hex = String(value, radix: 16)
    return String(repeating: "0", count: 8 - hex.count) + hex
  }
}
