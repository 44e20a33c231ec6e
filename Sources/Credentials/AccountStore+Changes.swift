import Foundation
import StateStore

/// Changing accounts: relabels and other edits, secrets, removal.
extension AccountStore {
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
    forgetOverwrittenSecrets()
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
    let removed = try database.write { (connection) throws(StoreError) -> Bool in
      try connection.with(AccountRows.delete) { (statement) throws(StoreError) -> Bool in
        statement.bind(id, at: 0)
        try statement.run()
        return connection.changes > 0
      }
    }
    if removed { forgetOverwrittenSecrets() }
    return removed
  }

  /// Empties the database's log after a secret was deleted or replaced (the rows are overwritten in
  /// place: `secure_delete`), so that no copy of it stays on disk. Best effort: the change itself is
  /// committed; when readers hold the log past the busy limit, the pages go with a later checkpoint.
  private func forgetOverwrittenSecrets() {
    try? database.forgetOverwrittenRows()
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
    id: String, event: PendingEvent?, _ connection: any StoreConnection, path: String,
    _ body: (inout Account) -> Void
  ) throws(StoreError) -> Account {
    guard let current = try fetch(id: id, connection) else { throw notFound(id, path) }
    var account = current
    body(&account)
    return try write(account, replacing: current, event: event, connection, path: path)
  }

  private static func write(
    _ account: Account, replacing current: Account, event: PendingEvent?, _ connection: any StoreConnection,
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

  /// `date` as the database gives it back (seconds since 1970 as a double), so that a value
  /// returned by a write equals the one a later read returns.
  static func exact(_ date: Date) -> Date {
    Date(timeIntervalSince1970: date.timeIntervalSince1970)
  }

  static func normalized(_ account: Account) -> Account {
    var account = account
    account.createdAt = exact(account.createdAt)
    account.exhaustedUntil = account.exhaustedUntil.map(exact)
    account.lastUsedAt = account.lastUsedAt.map(exact)
    return account
  }

}
