import Foundation

/// One line of an account's history (`accounts show`): added, exhausted, reset, errors, …
public struct AccountEvent: Sendable, Hashable, Codable, Identifiable {
  /// Well-known values of ``type``; others (e.g. the agent manager's `switched`) may appear.
  public enum Kind {
    /// The account was added.
    public static let added = "added"
    /// It hit its usage limit.
    public static let exhausted = "exhausted"
    /// Its exhaustion (and errors) were cleared, by the user or because the reset time passed.
    public static let reset = "reset"
    /// The user turned it on.
    public static let enabled = "enabled"
    /// The user turned it off.
    public static let disabled = "disabled"
    /// A refresh failed or its credentials were rejected.
    public static let error = "error"
    /// Its secret was replaced.
    public static let secretReplaced = "secret_replaced"
  }

  /// Increasing id, in order of appending.
  public var id: Int64
  /// The account.
  public var accountID: String
  /// When it happened.
  public var time: Date
  /// What happened (see ``Kind``).
  public var type: String
  /// Details for people; never a secret.
  public var message: String?

  /// Creates an event value.
  public init(id: Int64, accountID: String, time: Date, type: String, message: String? = nil) {
    self.id = id
    self.accountID = accountID
    self.time = time
    self.type = type
    self.message = message
  }
}
