import Credentials
import JSONKit
import ProviderKit
import StateStore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Accounts across hosts: the controller keeps the accounts and lends them (``AccountLease``). A
/// spawn on a host leases one there and places it in the host's own home (the secret travels on
/// the SSH connection's standard input only); a host whose agent waits for an account gets the
/// next one on the controller's next look; an account the host no longer uses comes back (its
/// credential file, possibly refreshed there, with it) and its lease ends.
extension Hosts {
  /// How long after a lease was granted the controller leaves it alone: a spawn between placing
  /// an account and starting the agent on it must not see it taken back, and a host needs a moment
  /// to start a waiting agent on a new account before it is given another.
  static let returnAfter: TimeInterval = 20
  /// See ``returnAfter``: the pause between two accounts lent to the same host for one provider.
  static let rotateAfter: TimeInterval = 5
  /// How long a lease that was never placed on its host (a spawn that died between leasing and
  /// placing; a spawn installs and pushes in between) is kept before it ends.
  static let unplacedAfter: TimeInterval = 600

  /// The leases of the controller's accounts, oldest first.
  public func leases(host: String? = nil) throws(StoreError) -> [AccountLease] {
    try accounts.leases(host: host)
  }

  /// Looks at `host` now: lends an account to each provider whose agents there wait for one, takes
  /// back the accounts it no longer uses (those leased at least 20 seconds ago), and returns the
  /// leases it still holds.
  ///
  /// - Throws: ``HostError`` when the host cannot be asked.
  public func syncAccounts(on host: RemoteHost, timeout: Duration = .seconds(10)) async throws
    -> [AccountLease]
  {
    let text = try await runMultiAgent(["--json", "list", "--all"], on: host, timeout: timeout)
    let records = (try? JSONParser.parse(Array(text.utf8)))?.arrayValue ?? []
    await tendAccounts(on: host, records: records, timeout: timeout)
    return try accounts.leases(host: host.name)
  }

  /// Takes back every account `host` holds and no longer uses, however recently it was leased
  /// (for `hosts remove`).
  ///
  /// - Returns: the leases it still holds, each with why it stayed.
  public func takeBackAccounts(from host: RemoteHost, timeout: Duration = .seconds(10)) async
    -> [(AccountLease, String)]
  {
    var kept: [(AccountLease, String)] = []
    var unreachable: HostError?
    for lease in (try? accounts.leases(host: host.name)) ?? [] {
      // Never placed there: nothing to bring back.
      if lease.hostAccountID == nil {
        _ = try? accounts.release(accountID: lease.accountID, host: host.name)
        continue
      }
      // One unanswered call is enough: the others would wait as long for nothing.
      if let unreachable {
        kept.append((lease, unreachable.message))
        continue
      }
      do {
        if try await !takeBack(lease, from: host, timeout: timeout) { kept.append((lease, "in use there")) }
      } catch {
        if let error = error as? HostError, error.code == .unreachable { unreachable = error }
        kept.append((lease, "\(error)"))
      }
    }
    return kept
  }

  /// Ends every lease to `host` without asking it: its copies stay there (for `hosts remove --force`
  /// of a host that is gone).
  public func forgetLeases(of host: RemoteHost) throws(StoreError) {
    for lease in try accounts.leases(host: host.name) {
      try accounts.release(accountID: lease.accountID, host: host.name)
    }
  }

  /// Leases the account a spawn on `host` runs on: `reference` (an id or label of the provider's)
  /// when given, else the least recently used account free for this host (one already there
  /// first). Returns nil when the controller has no account of the provider (the host's own
  /// accounts are used, as before).
  ///
  /// - Throws: ``HostError``: `accountLeased` (the account is lent to another host, or runs here),
  ///   `noAccount` (unknown, disabled, or none free); `StoreError`.
  func leaseForSpawn(provider: String, reference: String?, on host: RemoteHost) throws
    -> (Account, AccountLease)?
  {
    let mine = try accounts.list(provider: provider)
    guard let reference else {
      if mine.isEmpty { return nil }
      let next = try accounts.leaseNext(
        provider: provider, host: host.name, preferHeld: true, excluding: locallyBusy(provider: provider))
      guard let next else { throw noFreeAccount(provider: provider, for: host, among: mine) }
      return next
    }
    guard let account = try accounts.account(reference: reference, provider: provider) else {
      throw HostError(.noAccount, host: host.name, "\(provider) has no account \"\(reference.prefix(80))\"")
    }
    if locallyBusy(provider: provider).contains(account.id) {
      throw HostError(
        .accountLeased, host: host.name,
        "\(provider) account \"\(account.label)\" is in use by an agent on this machine")
    }
    return (account, try lease(account.id, to: host))
  }

  /// Ends the lease of `account` to `host` when it was never placed there (a spawn that failed
  /// first); a placed one comes back by the usual way.
  func releaseUnplaced(_ account: Account, host: RemoteHost) {
    let lease = ((try? accounts.leases(host: host.name)) ?? []).first { $0.accountID == account.id }
    if let lease, lease.hostAccountID == nil {
      _ = try? accounts.release(accountID: account.id, host: host.name)
    }
  }

  /// Looks after the accounts of `host` after its agents' records came in: lends an account to a
  /// host whose agent waits for one, and takes back the accounts it no longer uses. Failures leave
  /// things as they are for the next look.
  func tendAccounts(on host: RemoteHost, records: [JSONValue], timeout: Duration) async {
    let waiting = records.filter {
      $0["status"]?.stringValue == AgentStatus.waitingForAccount.rawValue
        && $0["account_pinned"]?.boolValue != true
    }
    for provider in Set(waiting.compactMap { $0["provider"]?.stringValue }).sorted() {
      await lendAnother(provider: provider, to: host, timeout: timeout)
    }
    let now = Date()
    for lease in (try? accounts.leases(host: host.name)) ?? []
    where now.timeIntervalSince(lease.leasedAt) >= Self.returnAfter {
      _ = try? await takeBack(lease, from: host, timeout: timeout)
    }
  }

  /// Lends the next free account of `provider` to `host` (one whose agent waits for one).
  private func lendAnother(provider: String, to host: RemoteHost, timeout: Duration) async {
    guard let mine = try? accounts.list(provider: provider), !mine.isEmpty else { return }
    let ids = Set(mine.map(\.id))
    let now = Date()
    let recent = ((try? accounts.leases(host: host.name)) ?? []).contains {
      ids.contains($0.accountID) && now.timeIntervalSince($0.leasedAt) < Self.rotateAfter
    }
    guard !recent,
      let next = try? accounts.leaseNext(
        provider: provider, host: host.name, preferHeld: false, excluding: locallyBusy(provider: provider))
    else { return }
    do {
      _ = try await place(next.0, on: host, timeout: timeout)
    } catch {
      _ = try? accounts.release(accountID: next.0.id, host: host.name)
    }
  }

  /// Takes `lease`'s account back from `host` when no agent there uses it: its credential file
  /// (for an exclusive lease) comes back over the copy here, the host forgets it, an exhaustion the
  /// host saw carries over, and the lease ends.
  ///
  /// - Returns: whether the lease ended.
  @discardableResult
  func takeBack(_ lease: AccountLease, from host: RemoteHost, timeout: Duration) async throws -> Bool {
    guard let account = try accounts.account(id: lease.accountID) else { return false }
    guard let hostID = lease.hostAccountID else {
      // Not placed (yet): a spawn may still be on its way; long after, nothing is there to bring back.
      guard Date().timeIntervalSince(lease.leasedAt) >= Self.unplacedAfter else { return false }
      return try accounts.release(accountID: lease.accountID, host: host.name)
    }
    let record: JSONValue
    do {
      let text = try await runMultiAgent(["--json", "accounts", "show", hostID], on: host, timeout: timeout)
      record = try JSONParser.parse(Array(text.utf8))
    } catch let error as HostError where error.code == .remoteFailed && error.message.contains("no account") {
      return try accounts.release(accountID: lease.accountID, host: host.name)
    }
    guard (record["active_agents"]?.doubleValue ?? 0) == 0 else { return false }
    if lease.kind == .exclusive {
      try await bringBackCredentialFile(of: account, hostID: hostID, from: host, timeout)
    }
    _ = try await runMultiAgent(["--json", "accounts", "remove", hostID], on: host, timeout: timeout)
    if record["status"]?.stringValue == Account.Status.exhausted.rawValue,
      let until = record["exhausted_until"]?.timeValue.map({ Date(timeIntervalSince1970: $0) }),
      until > Date()
    {
      _ = try? accounts.markExhausted(
        id: account.id, until: until, reason: "exhausted on host \(host.name)", at: Date())
    }
    return try accounts.release(accountID: lease.accountID, host: host.name)
  }

  // MARK: Internals

  /// Grants the lease of `accountID` to `host`, as a ``HostError`` when refused.
  private func lease(_ accountID: String, to host: RemoteHost) throws -> AccountLease {
    do {
      return try accounts.lease(accountID: accountID, host: host.name)
    } catch  where error.code == .accountLeased {
      throw HostError(.accountLeased, host: host.name, error.message)
    } catch  where error.code == .invalidValue {
      throw HostError(.noAccount, host: host.name, error.message)
    }
  }

  /// Places `account` in `host`'s home under its label, unless its lease there says it is there already.
  ///
  /// - Returns: its id there.
  func place(_ account: Account, on host: RemoteHost, timeout: Duration)
    async throws -> String
  {
    // The lease is confirmed (or granted again) right before the secret leaves: one that ended
    // meanwhile must not leave a copy on the host that no lease accounts for.
    if let id = try self.lease(account.id, to: host).hostAccountID { return id }
    let (mode, input) = try credentialInput(of: account, host: host)
    let output = try await runScript(
      RemoteScripts.addAccount, [account.provider, account.label, mode], on: host, input: input,
      timeout: timeout)
    guard let id = (try? JSONParser.parse(Array(output.utf8)))?["id"]?.stringValue, Self.isAccountID(id)
    else {
      throw HostError(.remoteFailed, host: host.name, "host \(host.name) printed no account record")
    }
    try accounts.setHostAccountID(id, accountID: account.id, host: host.name)
    return id
  }

  /// What the host's `accounts add` reads on standard input for `account`, and how.
  private func credentialInput(of account: Account, host: RemoteHost) throws -> (String, [UInt8]) {
    switch try accounts.secret(id: account.id) {
    case .apiKey(let key): return ("api-key", Array((key + "\n").utf8))
    case .token(let token): return ("token", Array((token + "\n").utf8))
    case .credentialsFile:
      let file = try credentialFile(of: account)
      return ("file", try Self.readFile(account.configDirectory + "/" + file, host: host))
    }
  }

  /// The credential file of `account`'s provider, relative to a config dir.
  private func credentialFile(of account: Account) throws -> String {
    let provider = try home.providerRegistry().provider(named: account.provider).definition
    guard let file = provider.credentials.files.first?.path, !file.split(separator: "/").contains("..") else {
      throw CredentialError(.invalidCredentials, "\(account.provider) keeps no credential file")
    }
    return file
  }

  /// Copies the host's (possibly refreshed) credential file of `account` over the one here.
  private func bringBackCredentialFile(
    of account: Account, hostID: String, from host: RemoteHost, _ timeout: Duration
  ) async throws {
    let file = try credentialFile(of: account)
    let text = try await runScript(
      RemoteScripts.readAccountFile, [account.provider, hostID, file], on: host, timeout: timeout)
    guard (try? JSONParser.parse(Array(text.utf8)))?.objectValue != nil else {
      throw HostError(.remoteFailed, host: host.name, "the credential file on host \(host.name) is not JSON")
    }
    try AccountFiles.writePrivateFile(Array(text.utf8), to: file, in: account)
  }

  /// Accounts of `provider` with a refreshable credential that agents on this machine run on.
  private func locallyBusy(provider: String) -> Set<String> {
    let mine = (try? accounts.list(provider: provider)) ?? []
    return Set(
      mine.filter { $0.kind == .credentialsFile && ((try? agents.activeAgentCount(using: $0)) ?? 0) > 0 }
        .map(\.id))
  }

  /// Why no account of `provider` could be lent to `host`, naming the holders.
  private func noFreeAccount(provider: String, for host: RemoteHost, among mine: [Account]) -> HostError {
    let leases = (try? accounts.leases()) ?? []
    let held = mine.compactMap { account in
      leases.first {
        $0.accountID == account.id && $0.kind == .exclusive && $0.host.lowercased() != host.name.lowercased()
      }
      .map { "\"\(account.label)\" is leased to host \($0.host)" }
    }
    return HostError(
      .noAccount, host: host.name,
      "no \(provider) account is free for host \(host.name)"
        + (held.isEmpty
          ? " (the others are exhausted, disabled or in use here)" : ": " + held.joined(separator: ", ")))
  }

  /// Whether `id` looks like an account id (eight lowercase hex digits), safe in a path.
  static func isAccountID(_ id: String) -> Bool {
    id.count == 8 && id.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
  }
}
