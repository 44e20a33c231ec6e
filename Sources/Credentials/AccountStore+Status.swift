import Foundation
import StateStore

/// An account's status over time: used, exhausted until a reset, enabled or disabled, erring.
extension AccountStore {
  /// Records that an agent started on the account at `time`.
  @discardableResult
  public func markUsed(id: String, at time: Date = Date()) throws(StoreError) -> Account {
    try typedChange(id: id, event: nil) { $0.lastUsedAt = time }
  }

  /// Parks the account until `until` (kept when it already waits for a later reset) and records an
  /// `exhausted` event with `reason`. A disabled account stays disabled but remembers the reset.
  @discardableResult
  public func markExhausted(id: String, until: Date, reason: String?, at now: Date = Date())
    throws(StoreError)
    -> Account
  {
    try typedChange(id: id, event: (AccountEvent.Kind.exhausted, reason, now)) { account in
      if let existing = account.exhaustedUntil, existing > until {
        account.exhaustedUntil = existing
      } else {
        account.exhaustedUntil = until
      }
      if account.status != .disabled { account.status = .exhausted }
    }
  }

  /// Makes an exhausted account available again (a disabled one stays disabled) and records `reset`.
  @discardableResult
  public func clearExhaustion(id: String, at now: Date = Date(), message: String? = nil) throws(StoreError)
    -> Account
  {
    try typedChange(id: id, event: (AccountEvent.Kind.reset, message, now)) { account in
      account.exhaustedUntil = nil
      if account.status == .exhausted { account.status = .available }
    }
  }

  /// `accounts reset`: clears exhaustion and errors.
  @discardableResult
  public func reset(id: String, at now: Date = Date()) throws(StoreError) -> Account {
    try typedChange(id: id, event: (AccountEvent.Kind.reset, "reset by the user", now)) { account in
      account.exhaustedUntil = nil
      if account.status == .exhausted { account.status = .available }
      account.recentErrorCount = 0
      account.lastError = nil
    }
  }

  /// Turns the account on (available, or exhausted while a remembered reset is still ahead) or off.
  @discardableResult
  public func setEnabled(id: String, _ enabled: Bool, at now: Date = Date()) throws(StoreError) -> Account {
    let type = enabled ? AccountEvent.Kind.enabled : AccountEvent.Kind.disabled
    return try typedChange(id: id, event: (type, nil, now)) { account in
      if !enabled {
        account.status = .disabled
      } else if let until = account.exhaustedUntil, until > now {
        account.status = .exhausted
      } else {
        account.status = .available
        account.exhaustedUntil = nil
      }
    }
  }

  /// Counts an error (refresh failure, rejected credentials) against the account and records it.
  /// The account's own secret is replaced by `[redacted]` should the message contain it.
  @discardableResult
  public func recordError(id: String, _ message: String, at now: Date = Date()) throws(StoreError) -> Account
  {
    let path = path
    return try database.write { (connection) throws(StoreError) -> Account in
      var text = message
      if let secret = try Self.secret(id: id, connection, path: path).text, !secret.isEmpty {
        text = text.replacingOccurrences(of: secret, with: "[redacted]")
      }
      let redacted = text
      return try Self.save(id: id, event: (AccountEvent.Kind.error, redacted, now), connection, path: path) {
        account in
        account.recentErrorCount += 1
        account.lastError = redacted
      }
    }
  }

  /// Clears the account's error count and last error.
  @discardableResult
  public func clearErrors(id: String) throws(StoreError) -> Account {
    try typedChange(id: id, event: nil) { account in
      account.recentErrorCount = 0
      account.lastError = nil
    }
  }
}
