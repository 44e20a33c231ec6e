import Foundation
import StateStore

/// Which accounts are lent to which hosts (the `account_leases` table), and the one rule about it:
/// an exclusive lease is the only lease of its account. Every change is one `BEGIN IMMEDIATE`
/// transaction, so two processes asking for the same account cannot both get it.
extension AccountStore {
  /// The `account_leases` step of the accounts component (see ``AccountStore/schema``). The
  /// partial unique index holds the rule even against a writer that skips the check in
  /// ``lease(accountID:host:at:)``. Removing an account removes its leases.
  static let leasesVersion = """
    CREATE TABLE account_leases (
      account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      host TEXT NOT NULL COLLATE NOCASE,
      kind TEXT NOT NULL,
      host_account_id TEXT,
      leased_at REAL NOT NULL,
      PRIMARY KEY (account_id, host)
    );
    CREATE UNIQUE INDEX account_leases_one_exclusive ON account_leases(account_id) WHERE kind = 'exclusive';
    CREATE INDEX account_leases_by_host ON account_leases(host);
    """

  /// ``leasesVersion`` in PostgreSQL's types, with SQLite's `rowid` as an identity column (leases
  /// made in the same instant are listed in the order they were made).
  static let postgresLeasesVersion = """
    CREATE TABLE account_leases (
      rowid BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
      account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      host TEXT NOT NULL COLLATE \(StateDatabase.postgresNoCaseCollation),
      kind TEXT NOT NULL,
      host_account_id TEXT,
      leased_at DOUBLE PRECISION NOT NULL,
      PRIMARY KEY (account_id, host)
    );
    CREATE UNIQUE INDEX account_leases_one_exclusive ON account_leases(account_id) WHERE kind = 'exclusive';
    CREATE INDEX account_leases_by_host ON account_leases(host);
    """

  private static let leaseColumns = "account_id, host, kind, host_account_id, leased_at"

  /// Lends the account to `host`: a lease it already has there is returned as it is; an exclusive
  /// account lent to another host is refused.
  ///
  /// - Returns: the lease.
  /// - Throws: ``StoreError``: `notFound`; `accountLeased` naming the host that holds it; `invalidValue`
  ///   for a disabled account.
  @discardableResult
  public func lease(accountID: String, host: String, at now: Date = Date()) throws(StoreError) -> AccountLease
  {
    let path = path
    return try database.write { (connection) throws(StoreError) -> AccountLease in
      guard let account = try Self.fetch(id: accountID, connection) else {
        throw Self.notFound(accountID, path)
      }
      return try Self.grant(account, host: host, now: now, connection)
    }
  }

  /// Chooses and lends an account of `provider` to `host` in one transaction: the least recently
  /// used usable one that is not lent exclusively to another host and not in `excluding`. With
  /// `preferHeld`, an account already lent to `host` comes first (it is there already); without
  /// it, accounts already lent to `host` are skipped (the host needs another one).
  ///
  /// - Returns: the account and its lease, or nil when none qualifies.
  /// - Throws: ``StoreError``.
  public func leaseNext(
    provider: String, host: String, preferHeld: Bool, excluding: Set<String> = [], at now: Date = Date()
  ) throws(StoreError) -> (Account, AccountLease)? {
    let path = path
    return try database.write { (connection) throws(StoreError) -> (Account, AccountLease)? in
      let accounts = try connection.with(AccountRows.selectByProvider) { (statement) throws(StoreError) in
        statement.bind(provider, at: 0)
        var accounts: [Account] = []
        while try statement.step() { accounts.append(try AccountRows.account(statement, path: path)) }
        return accounts
      }
      let leases = try Self.leases(where: "", [], connection)
      let here = Set(leases.filter { $0.host.lowercased() == host.lowercased() }.map(\.accountID))
      let elsewhere = Set(
        leases.filter { $0.kind == .exclusive && $0.host.lowercased() != host.lowercased() }.map(\.accountID))
      let skipped = excluding.union(elsewhere).union(preferHeld ? [] : here)
      let held = preferHeld ? accounts.filter { here.contains($0.id) } : []
      guard
        let chosen = RotationPolicy.leastRecentlyUsed(held, excluding: skipped, now: now)
          ?? RotationPolicy.leastRecentlyUsed(accounts, excluding: skipped, now: now)
      else { return nil }
      return (chosen, try Self.grant(chosen, host: host, now: now, connection))
    }
  }

  /// Records the id the account got in `host`'s own home.
  public func setHostAccountID(_ hostAccountID: String, accountID: String, host: String) throws(StoreError) {
    try database.write { (connection) throws(StoreError) in
      try connection.with("UPDATE account_leases SET host_account_id = ? WHERE account_id = ? AND host = ?") {
        (statement) throws(StoreError) in
        statement.bind(hostAccountID, at: 0)
        statement.bind(accountID, at: 1)
        statement.bind(host, at: 2)
        try statement.run()
      }
    }
  }

  /// Ends the account's lease to `host` and records a `returned` event.
  ///
  /// - Returns: whether there was one.
  @discardableResult
  public func release(accountID: String, host: String, at now: Date = Date()) throws(StoreError) -> Bool {
    try database.write { (connection) throws(StoreError) -> Bool in
      let found = try Self.leases(where: "WHERE account_id = ? AND host = ?", [accountID, host], connection)
      guard let lease = found.first else { return false }
      try connection.with("DELETE FROM account_leases WHERE account_id = ? AND host = ?") {
        (statement) throws(StoreError) in
        statement.bind(accountID, at: 0)
        statement.bind(host, at: 1)
        try statement.run()
      }
      try Self.insertEvent(
        AccountEvent(
          id: 0, accountID: accountID, time: now, type: "returned", message: "from host \(lease.host)"),
        connection)
      return true
    }
  }

  /// The account's leases, oldest first.
  public func leases(accountID: String) throws(StoreError) -> [AccountLease] {
    try database.read { (connection) throws(StoreError) in
      try Self.leases(where: "WHERE account_id = ?", [accountID], connection)
    }
  }

  /// The leases to `host` (all hosts when nil), oldest first.
  public func leases(host: String? = nil) throws(StoreError) -> [AccountLease] {
    try database.read { (connection) throws(StoreError) -> [AccountLease] in
      guard let host else { return try Self.leases(where: "", [], connection) }
      return try Self.leases(where: "WHERE host = ?", [host], connection)
    }
  }

  /// The ids of accounts lent exclusively to some host: this machine must not run them meanwhile.
  public func exclusivelyLeasedIDs() throws(StoreError) -> Set<String> {
    Set(try leases().filter { $0.kind == .exclusive }.map(\.accountID))
  }

  // MARK: Internals

  /// Inserts the lease of `account` to `host` after checking the rule (inside a write transaction).
  private static func grant(_ account: Account, host: String, now: Date, _ connection: any StoreConnection)
    throws(StoreError) -> AccountLease
  {
    let existing = try leases(where: "WHERE account_id = ?", [account.id], connection)
    if let mine = existing.first(where: { $0.host.lowercased() == host.lowercased() }) { return mine }
    let kind = AccountLease.Kind(for: account.kind)
    if account.status == .disabled {
      throw StoreError(
        code: .invalidValue,
        message: "\(account.provider) account \"\(account.label)\" is disabled; enable it to use it",
        path: connection.path)
    }
    if let holder = existing.first(where: { $0.kind == .exclusive || kind == .exclusive }) {
      throw StoreError(
        code: .accountLeased,
        message: "\(account.provider) account \"\(account.label)\" is leased to host \(holder.host) "
          + "(a refreshable credential can be on one host at a time)",
        path: connection.path)
    }
    let lease = AccountLease(accountID: account.id, host: host, kind: kind, leasedAt: exact(now))
    try connection.with("INSERT INTO account_leases (\(leaseColumns)) VALUES (?, ?, ?, NULL, ?)") {
      (statement) throws(StoreError) in
      statement.bind(lease.accountID, at: 0)
      statement.bind(lease.host, at: 1)
      statement.bind(lease.kind.rawValue, at: 2)
      statement.bind(lease.leasedAt.timeIntervalSince1970, at: 3)
      try statement.run()
    }
    try insertEvent(
      AccountEvent(id: 0, accountID: account.id, time: now, type: "leased", message: "to host \(host)"),
      connection)
    return lease
  }

  private static func leases(where clause: String, _ values: [String], _ connection: any StoreConnection)
    throws(StoreError) -> [AccountLease]
  {
    try connection.with("SELECT \(leaseColumns) FROM account_leases \(clause) ORDER BY leased_at, rowid") {
      (statement) throws(StoreError) -> [AccountLease] in
      for (index, value) in values.enumerated() { statement.bind(value, at: Int32(index)) }
      var leases: [AccountLease] = []
      while try statement.step() {
        leases.append(
          AccountLease(
            accountID: statement.string(0) ?? "", host: statement.string(1) ?? "",
            kind: AccountLease.Kind(rawValue: statement.string(2) ?? "") ?? .exclusive,
            hostAccountID: statement.string(3),
            leasedAt: Date(timeIntervalSince1970: statement.double(4) ?? 0)))
      }
      return leases
    }
  }
}
