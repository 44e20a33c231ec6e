import Credentials
import Foundation
import ProviderKit

/// What the agent lifecycle needs from the accounts layer: choose, prepare, park, move sessions.
///
/// Errors never carry secrets; a failure to reach the accounts store reads as "no accounts", so an
/// agent of a provider without accounts runs with the user's own environment, as before.
struct AccountBroker: Sendable {
  let home: StateHome
  let store: AccountStore?
  let handler: CredentialHandler?

  init(home: StateHome) {
    self.home = home
    let store = try? AccountStore(home: home.path)
    self.store = store
    self.handler = store.map { CredentialHandler(store: $0) }
  }

  /// Whether `provider` has any account configured.
  func hasAccounts(provider: String) -> Bool {
    !((try? store?.list(provider: provider)) ?? []).isEmpty
  }

  /// The account with this id.
  func account(id: String) -> Account? { (try? store?.account(id: id)) ?? nil }

  /// The account `reference` (id or label) of `provider`, for `spawn --account`.
  func resolve(_ reference: String, provider: String) throws(AgentError) -> Account {
    guard let found = (try? store?.account(reference: reference, provider: provider)) ?? nil else {
      throw AgentError(
        .unknownAccount,
        "\(provider) has no account \"\(reference.prefix(80))\"; `multiagent accounts list \(provider)` shows them"
      )
    }
    if found.status == .disabled {
      throw AgentError(
        .unknownAccount,
        "\(provider) account \"\(found.label)\" is disabled; `multiagent accounts enable \(found.id)`")
    }
    return found
  }

  /// The account for the next run: the pinned one; else the current one while it is usable (no
  /// switching without a reason); else the least recently used usable one.
  func select(provider: String, current: String?, pinned: String?, excluding: Set<String>, now: Date)
    throws(CredentialError) -> Account?
  {
    guard let handler else { return nil }
    if let pinned {
      return try handler.select(provider: provider, pinned: pinned, excluding: excluding, now: now)
    }
    if let current, !excluding.contains(current), let account = account(id: current),
      account.isUsable(at: now)
    {
      return try handler.select(provider: provider, pinned: current, excluding: excluding, now: now)
    }
    return try handler.select(provider: provider, pinned: nil, excluding: excluding, now: now)
  }

  /// Whether an account can be chosen now (for an agent waiting for one).
  func anyUsable(provider: String, pinned: String?, now: Date) -> Bool {
    guard let store else { return false }
    let accounts = (try? store.list(provider: provider)) ?? []
    if let pinned {
      return accounts.contains { ($0.id == pinned || $0.label == pinned) && $0.isUsable(at: now) }
    }
    return accounts.contains { $0.isUsable(at: now) }
  }

  /// Makes `account` ready for a run (config dir, credentials, refresh).
  func prepare(_ account: Account, provider: ProviderDefinition, now: Date) throws(CredentialError)
    -> PreparedCredentials
  {
    guard let handler else { throw CredentialError(.io, "the accounts store cannot be opened") }
    return try handler.prepare(account, provider: provider, now: now)
  }

  /// Parks an account after a usage limit, by the rotation policy: until the reported reset, or
  /// for the cooldown when none was printed or it is already past (so a limit never relaunches the
  /// CLI on the same account in a tight loop).
  ///
  /// - Returns: when the account frees up, as stored.
  @discardableResult
  func markExhausted(_ id: String, reportedReset: Date?, reason: String) -> Date? {
    let account = try? handler?.policy.markExhausted(
      accountID: id, reportedReset: reportedReset, reason: reason, now: Date())
    return account?.exhaustedUntil
  }

  /// The user's own config dir for `provider` (where sessions of agents without accounts live).
  func userConfigDirectory(for provider: ProviderDefinition) -> String? {
    AccountFiles.userConfigDirectory(of: provider, environment: ProcessInfo.processInfo.environment)
  }

  /// Moves session `sessionID`'s transcript between two config dirs.
  func port(sessionID: String, provider: ProviderDefinition, from: String, to: String) throws(CredentialError)
  {
    _ = try SessionPorter().port(sessionID: sessionID, provider: provider, from: from, to: to)
  }
}
