/// Why multiagent could not use a host: a stable ``Code`` to branch on and a message that names the
/// host. Never carries a key or anything read from an identity file.
public struct HostError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What kind of failure this is; the raw value is stable (`--json` error codes).
  public enum Code: String, Sendable, Hashable {
    /// No SSH connection could be made (no route, refused, timed out, unknown name).
    case unreachable
    /// The host answered but refused the login (key not authorized, wrong user).
    case authRefused = "auth_refused"
    /// The host's key is not the one recorded for it in multiagent's known_hosts.
    case hostKeyChanged = "host_key_changed"
    /// multiagent is not installed on the host (see `multiagent hosts install`).
    case notInstalled = "not_installed"
    /// A command on the host failed.
    case remoteFailed = "remote_failed"
    /// The identity file is missing, not a regular file, or readable by others.
    case invalidIdentity = "invalid_identity"
    /// ssh itself could not be started, or a local file could not be read.
    case localFailure = "local_failure"
    /// The account asked for is lent to another host, and its credential may be on one host at a time.
    case accountLeased = "account_leased"
    /// The controller has accounts for the provider, but none can be lent to this host now.
    case noAccount = "no_account"
  }

  /// What kind of failure this is.
  public var code: Code
  /// The host's name in multiagent (or the path, for ``Code/invalidIdentity``).
  public var host: String
  /// What went wrong, naming the host.
  public var message: String

  /// Creates an error.
  public init(_ code: Code, host: String, _ message: String) {
    self.code = code
    self.host = host
    self.message = message
  }

  /// The message.
  public var description: String { message }
}
