#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// A failure of an account or credential operation: refreshing a token, choosing an account,
/// moving a session between config dirs.
///
/// The message is meant for the user and never contains a secret (no token, key or credential
/// file content).
public struct CredentialError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What kind of failure it is; the raw value is the stable code shown in `--json` output.
  public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The code's name (stable; printed in messages and `--json` errors).
    public let rawValue: String

    /// A code called `rawValue`.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The name.
    public var description: String { rawValue }

    /// The token endpoint refused or failed to refresh an OAuth credential.
    public static let refreshFailed = Code(rawValue: "refresh_failed")
    /// No account of the provider exists (or none matches the request).
    public static let noAccount = Code(rawValue: "no_account")
    /// Every account of the provider is exhausted; see ``CredentialError/earliestReset``.
    public static let allExhausted = Code(rawValue: "all_exhausted")
    /// A credential is missing, malformed or unusable (for example expired without a refresh token).
    public static let invalidCredentials = Code(rawValue: "invalid_credentials")
    /// A file operation failed (reading, writing, locking, a missing session transcript).
    public static let io = Code(rawValue: "io")
  }

  /// What kind of failure it is.
  public var code: Code
  /// What went wrong, for the user; never contains secrets.
  public var message: String
  /// For ``Code/allExhausted``: when the first account frees up, if known.
  public var earliestReset: Date?
  /// The error this one was made from (a `StoreError`, a `ProcessError`, …), if any.
  public var underlying: (any Error & Sendable)?

  /// Creates an error.
  ///
  /// - Parameters:
  ///   - code: the kind of failure.
  ///   - message: what went wrong, without secrets.
  ///   - earliestReset: when the first exhausted account frees up, if known.
  ///   - underlying: the error this one was made from.
  public init(
    _ code: Code, _ message: String, earliestReset: Date? = nil, underlying: (any Error & Sendable)? = nil
  ) {
    self.code = code
    self.message = message
    self.earliestReset = earliestReset
    self.underlying = underlying
  }

  /// Errors are equal when their code, message and reset are.
  public static func == (lhs: CredentialError, rhs: CredentialError) -> Bool {
    lhs.code == rhs.code && lhs.message == rhs.message && lhs.earliestReset == rhs.earliestReset
  }

  /// Hashes the code, message and reset.
  public func hash(into hasher: inout Hasher) {
    hasher.combine(code)
    hasher.combine(message)
    hasher.combine(earliestReset)
  }

  /// The message.
  public var description: String { message }
}
