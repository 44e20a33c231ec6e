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
  public enum Code: String, Sendable, Hashable {
    /// The token endpoint refused or failed to refresh an OAuth credential.
    case refreshFailed = "refresh_failed"
    /// No account of the provider exists (or none matches the request).
    case noAccount = "no_account"
    /// Every account of the provider is exhausted; see ``CredentialError/earliestReset``.
    case allExhausted = "all_exhausted"
    /// A credential is missing, malformed or unusable (for example expired without a refresh token).
    case invalidCredentials = "invalid_credentials"
    /// A file operation failed (reading, writing, locking, a missing session transcript).
    case io
  }

  /// What kind of failure it is.
  public var code: Code
  /// What went wrong, for the user; never contains secrets.
  public var message: String
  /// For ``Code/allExhausted``: when the first account frees up, if known.
  public var earliestReset: Date?

  /// Creates an error.
  ///
  /// - Parameters:
  ///   - code: the kind of failure.
  ///   - message: what went wrong, without secrets.
  ///   - earliestReset: when the first exhausted account frees up, if known.
  public init(_ code: Code, _ message: String, earliestReset: Date? = nil) {
    self.code = code
    self.message = message
    self.earliestReset = earliestReset
  }

  /// The message.
  public var description: String { message }
}
