import Foundation

/// One subscription or API key of a provider, with its own config dir.
///
/// The secret itself is never part of this value (see ``AccountSecret``), so an `Account` can be
/// printed, logged and encoded for `--json` without leaking anything.
public struct Account: Sendable, Hashable, Codable, Identifiable {
  /// How the account authenticates.
  public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
    /// An API key, handed to the CLI through the provider's API-key environment variable.
    case apiKey = "api_key"
    /// A subscription setup/OAuth token, handed over through the provider's token variable
    /// (Claude: `CLAUDE_CODE_OAUTH_TOKEN`).
    case token
    /// The CLI's own credential file (Claude `.credentials.json`, Codex `auth.json`), kept in the
    /// account's config dir and refreshed there.
    case credentialsFile = "credentials_file"
  }

  /// Whether the account may be used.
  public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
    /// Ready.
    case available
    /// Hit its usage limit; usable again at ``Account/exhaustedUntil``.
    case exhausted
    /// Turned off by the user.
    case disabled
  }

  /// A short stable id (used in paths and `--account`).
  public var id: String
  /// The provider (`claude`, `codex`, …).
  public var provider: String
  /// The user's label (`work`, `personal`).
  public var label: String
  /// How it authenticates.
  public var kind: Kind
  /// Available, exhausted or disabled.
  public var status: Status
  /// When an exhausted account frees up.
  public var exhaustedUntil: Date?
  /// When an agent last started on it.
  public var lastUsedAt: Date?
  /// Consecutive recent errors (refresh failures, rejected credentials).
  public var recentErrorCount: Int
  /// The last such error, without secrets.
  public var lastError: String?
  /// The account's config dir (`<home>/accounts/<provider>/<id>`), 0700.
  public var configDirectory: String
  /// When it was added.
  public var createdAt: Date

  /// Creates an account value.
  public init(
    id: String, provider: String, label: String, kind: Kind, status: Status = .available,
    exhaustedUntil: Date? = nil, lastUsedAt: Date? = nil, recentErrorCount: Int = 0, lastError: String? = nil,
    configDirectory: String, createdAt: Date = Date()
  ) {
    self.id = id
    self.provider = provider
    self.label = label
    self.kind = kind
    self.status = status
    self.exhaustedUntil = exhaustedUntil
    self.lastUsedAt = lastUsedAt
    self.recentErrorCount = recentErrorCount
    self.lastError = lastError
    self.configDirectory = configDirectory
    self.createdAt = createdAt
  }

  /// Whether it can be used at `now`: available, or exhausted with a reset already past.
  public func isUsable(at now: Date = Date()) -> Bool {
    switch status {
    case .available: true
    case .disabled: false
    case .exhausted: (exhaustedUntil.map { $0 <= now }) ?? false
    }
  }
}

/// An account's secret. Never printed, logged, put in events, `--json` output or argv.
public enum AccountSecret: Sendable, Hashable {
  /// An API key.
  case apiKey(String)
  /// A setup/OAuth token.
  case token(String)
  /// The contents of the CLI's credential file (lives in the account's config dir).
  case credentialsFile

  /// `[redacted]`, so that string interpolation can never leak the secret.
  public var description: String { "[redacted]" }
}

extension AccountSecret: CustomStringConvertible, CustomDebugStringConvertible {
  /// `[redacted]`.
  public var debugDescription: String { "[redacted]" }
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
