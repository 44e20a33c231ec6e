import Credentials
import ProviderKit
import StateStore

/// The provider accounts of a state home: what `multiagent accounts add|list|show|remove|enable|
/// disable|reset` (and any app) need, without importing the layers below.
///
/// One connection to `<home>/state.db` serves the accounts and the agents, so that "how many agents
/// run on this account" is answered by the agents' own store.
///
/// ```swift
/// let home = StateHome(path: path)
/// try home.create()
/// let accounts = try Accounts(home: home)
/// let account = try accounts.add(provider: "codex", label: "ci", secret: .apiKey(key))
/// try accounts.setUpConfigDirectory(of: account, provider: codex, from: .emptyDirectory)
/// ```
public struct Accounts: Sendable {
  /// Where a new account's config dir gets its contents.
  public enum ConfigSource: Sendable, Hashable {
    /// Nothing: the account's key or token is its credential (an empty config dir is made).
    case emptyDirectory
    /// The CLI's own credential file at this path, copied in.
    case credentialsFile(String)
    /// The credential files (and settings file) of this logged-in config dir, copied in.
    case configDirectory(String)
  }

  let agents: AgentStore
  let store: AccountStore

  /// Opens the accounts of `home`, whose folder must exist (see ``StateHome/create()``); the
  /// database is created and migrated when needed.
  ///
  /// - Throws: `StoreError` (`cannotOpen`, `corrupt`, `schemaTooNew`, `busy`, …).
  public init(home: StateHome) throws(StoreError) {
    agents = try AgentStore(home: home)
    store = AccountStore(database: agents.database, accountsDirectory: home.accountsDirectory)
  }

  /// Whether `label` is acceptable: 1–64 letters, digits and `. _ @ + -`, not starting with `-`.
  public static func isValidLabel(_ label: String) -> Bool { AccountStore.isValidLabel(label) }

  /// Reads a CLI credential file given by the user and checks that it holds a JSON object, before
  /// anything is stored. Error messages never quote the content.
  ///
  /// - Throws: ``CredentialError``: `io` when it cannot be read, `invalidCredentials` when it is
  ///   empty or not a JSON object.
  public static func validateCredentialFile(at path: String) throws(CredentialError) {
    _ = try AccountFiles.validateCredentialFile(at: path)
  }

  // MARK: Adding

  /// Stores a new account with a fresh id and its secret, and records an `added` event. Its config
  /// dir is made by ``setUpConfigDirectory(of:provider:from:)``.
  ///
  /// - Throws: `StoreError`: `nameTaken` when the provider already has an account with this label,
  ///   `invalidValue` for an invalid label or an empty secret.
  public func add(provider: String, label: String, secret: AccountSecret) throws(StoreError) -> Account {
    try store.add(provider: provider, label: label, secret: secret)
  }

  /// Makes a new account's config dir (0700) from `source`. When that fails, the account is removed
  /// again, row and folder, so nothing half-made stays behind.
  ///
  /// - Throws: ``CredentialError``: `invalidCredentials` (the provider keeps no credential file, or
  ///   the source holds none), `io`.
  public func setUpConfigDirectory(
    of account: Account, provider: ProviderDefinition, from source: ConfigSource
  )
    throws(CredentialError)
  {
    do {
      switch source {
      case .credentialsFile(let file):
        try AccountFiles.installCredentialFile(from: file, into: account, provider: provider)
      case .configDirectory(let directory):
        try AccountFiles.importConfigDirectory(directory, into: account, provider: provider)
      case .emptyDirectory:
        try AccountFiles.createDirectory(of: account, provider: provider)
      }
    } catch {
      _ = try? store.remove(id: account.id)
      try? AccountFiles.removeDirectory(of: account, accountsDirectory: store.accountsDirectory)
      throw error
    }
  }

  // MARK: Reading

  /// The account a user's reference names: its id, else its label (within `provider` when given).
  ///
  /// - Returns: the account, or nil when nothing matches (or the id names another provider's).
  /// - Throws: `StoreError` with code `invalidValue` when `provider` is nil and the label names
  ///   accounts of several providers.
  public func account(reference: String, provider: String? = nil) throws(StoreError) -> Account? {
    try store.account(reference: reference, provider: provider)
  }

  /// The accounts of `provider` (all when nil), oldest first (by provider when listing all).
  public func list(provider: String? = nil) throws(StoreError) -> [Account] {
    try store.list(provider: provider)
  }

  /// The latest usage reading of each of the account's windows (see ``QuotaReading``).
  public func quota(of account: Account) throws(StoreError) -> [AccountQuota] {
    try store.quota(accountID: account.id)
  }

  /// The account's last `limit` events, oldest first.
  public func events(of account: Account, limit: Int = 20) throws(StoreError) -> [AccountEvent] {
    try store.events(accountID: account.id, limit: limit)
  }

  /// How many agents that are not done (not completed, failed, stopped or crashed) run on the
  /// account: while there are any, it is in use.
  public func activeAgentCount(using account: Account) throws(StoreError) -> Int {
    try agents.activeAgentCount(using: account)
  }

  /// The hosts the account is lent to, oldest lease first (see ``AccountLease``).
  public func leases(of account: Account) throws(StoreError) -> [AccountLease] {
    try store.leases(accountID: account.id)
  }

  // MARK: Changing

  /// Turns the account on (available, or exhausted while a remembered reset is still ahead) or off.
  ///
  /// - Returns: the account as stored.
  @discardableResult
  public func setEnabled(_ account: Account, _ enabled: Bool) throws(StoreError) -> Account {
    try store.setEnabled(id: account.id, enabled)
  }

  /// Clears the account's exhaustion (a disabled one stays disabled) and its errors.
  ///
  /// - Returns: the account as stored.
  @discardableResult
  public func reset(_ account: Account) throws(StoreError) -> Account {
    try store.reset(id: account.id)
  }

  /// Deletes the account, its secret, events and leases, then its config dir (only when inside the
  /// home's accounts folder). Check ``activeAgentCount(using:)`` and ``leases(of:)`` first: agents
  /// still on it lose it, and a host it is lent to keeps its copy.
  ///
  /// - Throws: `StoreError` for the database, then ``CredentialError`` (`io`) for the folder.
  public func remove(_ account: Account) throws {
    _ = try store.remove(id: account.id)
    try AccountFiles.removeDirectory(of: account, accountsDirectory: store.accountsDirectory)
  }
}
