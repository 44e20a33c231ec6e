import Foundation
import ProviderKit
import StateStore

/// What a CLI needs to run on an account: variables to set (the config-dir variable and the key or
/// token), variables to remove (every other credential variable, so a key in the user's shell can
/// never win over the account), and the account's config dir.
///
/// - Important: ``environment`` holds the secret. Pass it to the child's environment only: never put
///   it in argv, a log, an event or output.
public struct PreparedCredentials: Sendable, Hashable {
  /// Variables to set for the CLI (holds the key or token of key and token accounts).
  public var environment: [String: String]
  /// Variables to remove from the CLI's environment.
  public var unsetEnvironment: [String]
  /// The config dir the CLI runs with (the value of the provider's config-dir variable): the
  /// account's own, or the one its provider's accounts share (see ``AccountFiles/sessionDirectory(of:provider:)``).
  public var configDirectory: String

  /// Creates a value.
  public init(environment: [String: String], unsetEnvironment: [String], configDirectory: String) {
    self.environment = environment
    self.unsetEnvironment = unsetEnvironment
    self.configDirectory = configDirectory
  }
}

/// Chooses the account an agent runs on (by its ``RotationPolicy``) and prepares its credentials for
/// the CLI.
///
/// ```swift
/// let handler = CredentialHandler(store: try AccountStore(home: home.path))
/// if let account = try handler.select(provider: "claude", pinned: nil, excluding: [], now: Date()) {
///   let prepared = try handler.prepare(account, provider: definition, now: Date())
///   // launch with prepared.environment set and prepared.unsetEnvironment removed
/// }
/// ```
public struct CredentialHandler: Sendable {
  /// The accounts.
  public let store: AccountStore
  /// The rotation rules (least recently used, cooldown).
  public let policy: RotationPolicy
  /// The environment multiagent runs in: finds the user's own config dir (whose settings file is
  /// copied into an account's).
  public let environment: [String: String]
  /// Another OAuth token endpoint for credential-file refreshes (tests); nil uses the provider's.
  public let refreshURLOverride: String?
  /// Refreshes credential files close to expiry.
  public let refresher: CredentialRefresher

  /// A handler over `store`.
  ///
  /// - Parameters:
  ///   - store: the accounts.
  ///   - environment: the environment multiagent runs in.
  ///   - refreshURLOverride: another OAuth token endpoint for refreshes (tests).
  ///   - cooldown: how long an account sits out when its limit printed no reset time.
  ///   - thresholds: when usage readings make the next run prefer another account.
  public init(
    store: AccountStore, environment: [String: String] = ProcessEnvironment.current,
    refreshURLOverride: String? = nil, cooldown: TimeInterval = RotationPolicy.defaultCooldown,
    thresholds: RotationThresholds = .standard
  ) {
    self.store = store
    self.policy = RotationPolicy(store: store, cooldown: cooldown, thresholds: thresholds)
    self.environment = environment
    self.refreshURLOverride = refreshURLOverride
    self.refresher = CredentialRefresher(environment: environment)
  }

  // MARK: Selecting

  /// The account to run an agent of `provider` on, as ``RotationPolicy`` chooses it.
  ///
  /// - Parameters:
  ///   - provider: the provider name.
  ///   - pinned: an account id or label the user asked for, if any.
  ///   - excluding: ids not to choose (for example the one that just hit its limit).
  ///   - now: the current time.
  /// - Returns: the pinned account, else the least recently used usable one (an exhausted account
  ///   whose reset has passed counts as usable and is made available); nil when the provider has no
  ///   accounts (the CLI then runs with the user's own environment).
  /// - Throws: ``CredentialError``: `noAccount` (the pinned account is unknown or disabled, or every
  ///   account is disabled), `allExhausted` with ``CredentialError/earliestReset`` (the pinned account,
  ///   or every usable one, is exhausted), `io`.
  public func select(provider: String, pinned: String?, excluding: Set<String> = [], now: Date)
    throws(CredentialError) -> Account?
  {
    try policy.choose(provider: provider, pinned: pinned, excluding: excluding, now: now)
  }

  // MARK: Preparing

  /// Makes the account ready for a run: its config dir (0700), its key or token in the provider's
  /// variable (Codex keys also in `auth.json`, 0600, and `OPENAI_API_KEY`), its credential file
  /// refreshed when close to expiry, and the user's settings file copied in when it has none. Then
  /// records the account as used at `now`.
  ///
  /// - Parameters:
  ///   - account: the account (from ``select(provider:pinned:excluding:now:)``).
  ///   - provider: its provider's definition.
  ///   - now: the current time.
  /// - Returns: the variables to set and remove, and the config dir.
  /// - Throws: ``CredentialError``: `invalidCredentials` (the provider cannot take this kind of
  ///   credential, or the credential file is missing), `refreshFailed` (also counted on the account),
  ///   `io`.
  public func prepare(_ account: Account, provider: ProviderDefinition, now: Date) throws(CredentialError)
    -> PreparedCredentials
  {
    guard account.provider == provider.name else {
      throw CredentialError(
        .invalidCredentials, "account \(account.id) belongs to \(account.provider), not \(provider.name)")
    }
    try AccountFiles.createDirectory(of: account, provider: provider)
    var environment: [String: String] = [:]
    let sessions = AccountFiles.sessionDirectory(of: account, provider: provider)
    if let layout = provider.configDirectory {
      environment[layout.environmentVariable] = sessions
      if let credentials = layout.credentialsEnvironmentVariable {
        environment[credentials] = account.configDirectory
      }
    }
    let secret = try RotationPolicy.io { () throws(StoreError) in try store.secret(id: account.id) }
    let credentials = provider.credentials
    switch secret {
    case .apiKey(let key):
      guard let variable = credentials.apiKeyEnvironmentVariable else {
        throw CredentialError(
          .invalidCredentials,
          "\(provider.name) takes no API key variable; account \(account.id) cannot be used")
      }
      environment[variable] = key
      if let auth = credentials.files.first(where: { $0.format == Self.codexAuthFormat }) {
        // Codex reads a key from `auth.json` or `OPENAI_API_KEY` depending on the model provider
        // configured; both carry the account's key so that every path sees it.
        try AccountFiles.writePrivateFile(Self.codexAuthFile(key: key), to: auth.path, in: account)
        environment["OPENAI_API_KEY"] = key
      }
    case .token(let token):
      guard let variable = credentials.tokenEnvironmentVariable else {
        throw CredentialError(
          .invalidCredentials,
          "\(provider.name) takes no token variable; account \(account.id) cannot be used")
      }
      environment[variable] = token
    case .credentialsFile:
      try refreshCredentialFile(of: account, provider: provider, now: now)
    }
    let unset = credentials.environmentVariables.filter { environment[$0] == nil }
    try AccountFiles.copyUserSettings(into: account, provider: provider, environment: self.environment)
    _ = try RotationPolicy.io { () throws(StoreError) in try store.markUsed(id: account.id, at: now) }
    return PreparedCredentials(environment: environment, unsetEnvironment: unset, configDirectory: sessions)
  }

  /// The format name of Codex's `auth.json` in providers.json.
  static let codexAuthFormat = "codex-auth"

  /// `{"OPENAI_API_KEY": key}`.
  static func codexAuthFile(key: String) -> [UInt8] {
    let data =
      (try? JSONSerialization.data(withJSONObject: ["OPENAI_API_KEY": key], options: [.sortedKeys])) ?? Data()
    return Array(data) + [0x0A]
  }

  private func refreshCredentialFile(of account: Account, provider: ProviderDefinition, now: Date)
    throws(CredentialError)
  {
    guard provider.configDirectory != nil, !provider.credentials.files.isEmpty else {
      throw CredentialError(
        .invalidCredentials,
        "\(provider.name) keeps no credential file in a config dir; account \(account.id) cannot be used")
    }
    let present = provider.credentials.files.contains {
      FileManager.default.fileExists(atPath: account.configDirectory + "/" + $0.path)
    }
    guard present else {
      let message =
        "account \"\(account.label)\" has no credential file in \(account.configDirectory); "
        + "remove it and add it again"
      _ = try? store.recordError(id: account.id, message, at: now)
      throw CredentialError(.invalidCredentials, message)
    }
    do {
      _ = try refresher.ensureFresh(
        configDirectory: account.configDirectory, provider: provider, now: now,
        refreshURLOverride: refreshURLOverride)
    } catch {
      _ = try? store.recordError(id: account.id, error.message, at: now)
      throw error
    }
  }
}
