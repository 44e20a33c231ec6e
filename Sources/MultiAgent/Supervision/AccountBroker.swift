import Credentials
import Foundation
import ProviderKit

/// What the agent lifecycle needs from the accounts layer: choose, prepare, park, move sessions.
///
/// Errors never carry secrets; a failure to read the accounts reads as "no accounts", so an agent of
/// a provider without accounts runs with the user's own environment, as before.
struct AccountBroker: Sendable {
  let home: StateHome
  let store: AccountStore
  let handler: CredentialHandler
  let logger: any AgentLogger

  /// The accounts of `home`, through `agents`' open database connection.
  init(home: StateHome, sharing agents: AgentStore, logger: any AgentLogger = SilentLogger()) {
    self.home = home
    self.logger = logger
    let store = AccountStore(database: agents.database, accountsDirectory: home.accountsDirectory)
    self.store = store
    // An invalid rotation section was refused at spawn; here it reads as the defaults.
    let thresholds = (try? RotationSettings.load(home: home))?.thresholds ?? .standard
    self.handler = CredentialHandler(store: store, thresholds: thresholds)
  }

  /// Whether `provider` has any account configured.
  func hasAccounts(provider: String) -> Bool {
    !(logger.attempt("read the \(provider) accounts", { try store.list(provider: provider) }) ?? []).isEmpty
  }

  /// The account with this id.
  func account(id: String) -> Account? {
    logger.attempt("read account \(id)", { try store.account(id: id) }) ?? nil
  }

  /// The account `reference` (id or label) of `provider`, for `spawn --account`.
  func resolve(_ reference: String, provider: String) throws(AgentError) -> Account {
    guard let found = (try? store.account(reference: reference, provider: provider)) ?? nil else {
      throw AgentError(
        .unknownAccount,
        "\(provider) has no account \"\(reference.prefix(80))\"",
        facts: ["provider": provider, "account": String(reference.prefix(80))])
    }
    if found.status == .disabled {
      throw AgentError(
        .unknownAccount,
        "\(provider) account \"\(found.label)\" is disabled",
        facts: ["provider": provider, "account": found.id, "state": "disabled"])
    }
    return found
  }

  /// The account for the next run, as the rotation policy chooses it: the pinned one; else the
  /// current one while it is usable; else the least recently used usable one.
  func select(provider: String, current: String?, pinned: String?, excluding: Set<String>, now: Date)
    throws(CredentialError) -> Account?
  {
    try handler.policy.choose(
      provider: provider, pinned: pinned, current: current, excluding: excluding, now: now)
  }

  /// Whether an account can be chosen now (for an agent waiting for one).
  func anyUsable(provider: String, pinned: String?, now: Date) -> Bool {
    handler.policy.canChoose(provider: provider, pinned: pinned, now: now)
  }

  /// Makes `account` ready for a run (config dir, credentials, refresh).
  func prepare(_ account: Account, provider: ProviderDefinition, now: Date) throws(CredentialError)
    -> PreparedCredentials
  {
    return try handler.prepare(account, provider: provider, now: now)
  }

  /// Parks an account after a usage limit, by the rotation policy: until the reported reset, or
  /// for the cooldown when none was printed or it is already past (so a limit never relaunches the
  /// CLI on the same account in a tight loop).
  ///
  /// - Returns: when the account frees up, as stored.
  @discardableResult
  func markExhausted(_ id: String, reportedReset: Date?, reason: String) -> Date? {
    let account = logger.attempt("park account \(id)") {
      try handler.policy.markExhausted(
        accountID: id, reportedReset: reportedReset, reason: reason, now: Date())
    }
    return account?.exhaustedUntil
  }

  /// Keeps the latest quota reading of the account's windows.
  func recordQuota(_ id: String, _ reading: QuotaReading) {
    logger.attempt("record the quota reading of account \(id)") {
      try store.recordQuota(accountID: id, reading)
    }
  }

  /// The user's own config dir for `provider` (where sessions of agents without accounts live).
  func userConfigDirectory(for provider: ProviderDefinition) -> String? {
    AccountFiles.userConfigDirectory(of: provider, environment: ProcessEnvironment.current)
  }

  /// Moves session `sessionID`'s transcript between two config dirs.
  func port(sessionID: String, provider: ProviderDefinition, from: String, to: String) throws(CredentialError)
  {
    _ = try SessionPorter().port(sessionID: sessionID, provider: provider, from: from, to: to)
  }
}
