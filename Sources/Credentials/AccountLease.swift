import Foundation
import StateStore

/// One account placed on one host: the controller lent it, the host's multiagent keeps a copy
/// (under ``hostAccountID`` in the host's own home) until the controller takes it back.
///
/// A refreshable credential (an OAuth login with a refresh token, kept as the CLI's own credential
/// file) is ``Kind/exclusive``: refresh tokens are single-use and rotate, so two copies that both
/// refresh would log each other out; it is lent to one host at a time. An API key or a
/// non-refreshing token is ``Kind/shared`` and may be lent to many hosts at once.
public struct AccountLease: Sendable, Hashable {
  /// Whether the account may be on one host or on many.
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    /// A refreshable credential file: one host at a time.
    case exclusive
    /// An API key or non-refreshing token: any number of hosts.
    case shared

    /// The kind an account of `kind` is lent as.
    public init(for kind: Account.Kind) {
      self = kind == .credentialsFile ? .exclusive : .shared
    }
  }

  /// The controller's account id.
  public var accountID: String
  /// The host's name.
  public var host: String
  /// Exclusive or shared.
  public var kind: Kind
  /// The id the account has in the host's own multiagent home, once placed there (nil meanwhile).
  public var hostAccountID: String?
  /// When the lease was granted.
  public var leasedAt: Date

  /// Creates a lease value.
  public init(accountID: String, host: String, kind: Kind, hostAccountID: String? = nil, leasedAt: Date) {
    self.accountID = accountID
    self.host = host
    self.kind = kind
    self.hostAccountID = hostAccountID
    self.leasedAt = leasedAt
  }
}

extension StoreError.Code {
  /// The account is lent to another host and its credential may be on one host at a time.
  public static let accountLeased = StoreError.Code(rawValue: "account_leased")
}
