import Foundation
import StateStore

/// One line of an account's history (`accounts show`): added, exhausted, reset, errors, …
public struct AccountEvent: Sendable, Hashable, Codable, Identifiable {
  /// Well-known values of ``type``; others (e.g. the agent manager's `switched`) may appear.
  public enum Kind {
    /// The account was added.
    public static let added = "added"
    /// It hit its usage limit.
    public static let exhausted = "exhausted"
    /// Its exhaustion (and errors) were cleared, by the user or because the reset time passed.
    public static let reset = "reset"
    /// The user turned it on.
    public static let enabled = "enabled"
    /// The user turned it off.
    public static let disabled = "disabled"
    /// A refresh failed or its credentials were rejected.
    public static let error = "error"
    /// Its secret was replaced.
    public static let secretReplaced = "secret_replaced"
  }

  /// Increasing id, in order of appending.
  public var id: Int64
  /// The account.
  public var accountID: String
  /// When it happened.
  public var time: Date
  /// What happened (see ``Kind``).
  public var type: String
  /// Details for people; never a secret.
  public var message: String?

  /// Creates an event value.
  public init(id: Int64, accountID: String, time: Date, type: String, message: String? = nil) {
    self.id = id
    self.accountID = accountID
    self.time = time
    self.type = type
    self.message = message
  }
}

extension AccountSecret {
  /// The kind of account this secret belongs to.
  public var kind: Account.Kind {
    switch self {
    case .apiKey: .apiKey
    case .token: .token
    case .credentialsFile: .credentialsFile
    }
  }

  /// The secret text (nil for a credential file, which lives in the config dir).
  var text: String? {
    switch self {
    case .apiKey(let text), .token(let text): text
    case .credentialsFile: nil
    }
  }
}

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

  /// Replaces the key or token of an account of the same kind.
  ///
  /// - Throws: ``StoreError``: `notFound`, or `invalidValue` when the secret is empty or of another
  ///   kind than the account.
  public func replaceSecret(id: String, _ secret: AccountSecret, at now: Date = Date()) throws(StoreError) {
    let path = path
    try database.write { (connection) throws(StoreError) in
      guard let account = try Self.fetch(id: id, connection) else { throw Self.notFound(id, path) }
      guard account.kind == secret.kind, secret.text?.isEmpty != true else {
        throw StoreError(
          code: .invalidValue,
          message:
            "account \(id) is a \(account.kind.rawValue) account; give it a non-empty secret of that kind",
          path: path)
      }
      try connection.with(AccountRows.updateSecret) { (statement) throws(StoreError) in
        statement.bind(id, at: 0)
        statement.bind(secret.text, at: 1)
        try statement.run()
      }
      try Self.insertEvent(
        AccountEvent(id: 0, accountID: id, time: now, type: AccountEvent.Kind.secretReplaced), connection)
    }
  }

  // MARK: Changing

  /// Applies `body` to the account and saves it, in one write transaction (nothing is written when
  /// `body` throws). The secret is not touched.
  ///
  /// - Returns: the account as stored.
  /// - Throws: what `body` throws, or ``StoreError``: `notFound`, `nameTaken` (a relabel to a taken
  ///   label), `invalidValue` (a changed id or provider, an invalid label).
  @discardableResult
  public func update(id: String, _ body: (inout Account) throws -> Void) throws -> Account {
    try change(id: id, event: nil) { (account: inout Account) throws -> Void in try body(&account) }
  }

  /// Deletes the account and its events (not its config dir: see ``AccountFiles/removeDirectory(of:)``).
  ///
  /// - Returns: whether it existed.
  @discardableResult
  public func remove(id: String) throws(StoreError) -> Bool {
    try database.write { (connection) throws(StoreError) -> Bool in
      try connection.with(AccountRows.delete) { (statement) throws(StoreError) -> Bool in
        statement.bind(id, at: 0)
        try statement.run()
        return connection.changes > 0
      }
    }
  }

  // MARK: Events

  /// Appends an event to the account's history (e.g. the agent manager's `switched`).
  ///
  /// - Throws: ``StoreError`` with code `notFound` when the account does not exist.
  @discardableResult
  public func appendEvent(accountID: String, type: String, message: String? = nil, at now: Date = Date())
    throws(StoreError) -> AccountEvent
  {
    let path = path
    return try database.write { (connection) throws(StoreError) -> AccountEvent in
      guard try Self.fetch(id: accountID, connection) != nil else { throw Self.notFound(accountID, path) }
      return try Self.insertEvent(
        AccountEvent(id: 0, accountID: accountID, time: now, type: type, message: message), connection)
    }
  }

  /// The account's last `limit` events, oldest first.
  public func events(accountID: String, limit: Int = 20) throws(StoreError) -> [AccountEvent] {
    try database.read { (connection) throws(StoreError) -> [AccountEvent] in
      try connection.with(AccountRows.selectEvents) { (statement) throws(StoreError) -> [AccountEvent] in
        statement.bind(accountID, at: 0)
        statement.bind(limit, at: 1)
        var events: [AccountEvent] = []
        while try statement.step() { events.append(AccountRows.event(statement)) }
        return events
      }
    }
  }

  // MARK: Internals

  typealias PendingEvent = (type: String, message: String?, time: Date)

  /// ``change(id:event:_:)`` for bodies that cannot fail.
  func typedChange(id: String, event: PendingEvent?, _ body: (inout Account) -> Void)
    throws(StoreError) -> Account
  {
    let path = path
    return try database.write { (connection) throws(StoreError) -> Account in
      try Self.save(id: id, event: event, connection, path: path, body)
    }
  }

  /// The read-modify-write of ``update(id:_:)``: `body` may throw any error, carried out of the
  /// typed-throwing transaction by hand.
  func change(id: String, event: PendingEvent?, _ body: (inout Account) throws -> Void) throws
    -> Account
  {
    let path = path
    var bodyError: (any Error)?
    do {
      return try database.write { (connection) throws(StoreError) -> Account in
        guard let current = try Self.fetch(id: id, connection) else { throw Self.notFound(id, path) }
        var account = current
        do {
          try body(&account)
        } catch {
          bodyError = error
          throw StoreError(code: .sqlite, message: "rolled back: \(error)", path: path)
        }
        return try Self.write(account, replacing: current, event: event, connection, path: path)
      }
    } catch {
      if let bodyError { throw bodyError }
      throw error
    }
  }

  static func save(
    id: String, event: PendingEvent?, _ connection: SQLiteConnection, path: String,
    _ body: (inout Account) -> Void
  ) throws(StoreError) -> Account {
    guard let current = try fetch(id: id, connection) else { throw notFound(id, path) }
    var account = current
    body(&account)
    return try write(account, replacing: current, event: event, connection, path: path)
  }

  private static func write(
    _ account: Account, replacing current: Account, event: PendingEvent?, _ connection: SQLiteConnection,
    path: String
  ) throws(StoreError) -> Account {
    guard account.id == current.id, account.provider == current.provider else {
      throw StoreError(
        code: .invalidValue, message: "the id and provider of account \(current.id) cannot change", path: path
      )
    }
    if account.label != current.label {
      guard isValidLabel(account.label) else {
        throw StoreError(code: .invalidValue, message: "invalid label \"\(account.label)\"", path: path)
      }
      if let owner = try fetch(provider: account.provider, label: account.label, connection),
        owner.id != account.id
      {
        throw StoreError(
          code: .nameTaken,
          message: "\(account.provider) already has an account labelled \"\(owner.label)\" (id \(owner.id))",
          path: path)
      }
    }
    let account = normalized(account)
    if account != current {
      try connection.with(AccountRows.update) { (statement) throws(StoreError) in
        AccountRows.bind(account, to: statement)
        try statement.run()
      }
    }
    if let event {
      try insertEvent(
        AccountEvent(
          id: 0, accountID: account.id, time: event.time, type: event.type, message: event.message),
        connection)
    }
    return account
  }

  private static func fetch(id: String, _ connection: SQLiteConnection) throws(StoreError) -> Account? {
    try connection.with(AccountRows.selectByID) { (statement) throws(StoreError) -> Account? in
      statement.bind(id, at: 0)
      return try statement.step() ? try AccountRows.account(statement, path: connection.path) : nil
    }
  }

  private static func fetch(provider: String, label: String, _ connection: SQLiteConnection)
    throws(StoreError)
    -> Account?
  {
    try connection.with(AccountRows.selectByLabel) { (statement) throws(StoreError) -> Account? in
      statement.bind(provider, at: 0)
      statement.bind(label, at: 1)
      return try statement.step() ? try AccountRows.account(statement, path: connection.path) : nil
    }
  }

  static func secret(id: String, _ connection: SQLiteConnection, path: String) throws(StoreError)
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

  @discardableResult
  private static func insertEvent(_ event: AccountEvent, _ connection: SQLiteConnection) throws(StoreError)
    -> AccountEvent
  {
    try connection.with(AccountRows.insertEvent) { (statement) throws(StoreError) -> AccountEvent in
      statement.bind(event.accountID, at: 0)
      statement.bind(event.time.timeIntervalSince1970, at: 1)
      statement.bind(event.type, at: 2)
      statement.bind(event.message, at: 3)
      try statement.run()
      var stored = event
      stored.id = connection.lastInsertRowID
      stored.time = exact(event.time)
      return stored
    }
  }

  /// `date` as the database gives it back (seconds since 1970 as a double), so that a value
  /// returned by a write equals the one a later read returns.
  private static func exact(_ date: Date) -> Date {
    Date(timeIntervalSince1970: date.timeIntervalSince1970)
  }

  private static func normalized(_ account: Account) -> Account {
    var account = account
    account.createdAt = exact(account.createdAt)
    account.exhaustedUntil = account.exhaustedUntil.map(exact)
    account.lastUsedAt = account.lastUsedAt.map(exact)
    return account
  }

  private static func notFound(_ id: String, _ path: String) -> StoreError {
    StoreError(code: .notFound, message: "no account with id \(id)", path: path)
  }

  /// Eight lowercase hex digits.
  private static func newID() -> String {
    let value = UInt32.random(in: .min ... .max)
    let hex = String(value, radix: 16)
    return String(repeating: "0", count: 8 - hex.count) + hex
  }
}
