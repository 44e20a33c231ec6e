import Foundation
import StateStore

/// How accounts take turns, and the one place an account is chosen
/// (``choose(provider:pinned:current:excluding:now:)``): a pinned account first, else the current one
/// while it is usable, else the least recently used; an exhausted account sits out until its reset
/// (or a default cooldown when the CLI printed none), and the earliest reset tells a waiting agent
/// when to try again.
public struct RotationPolicy: Sendable {
  /// How long an exhausted account sits out when the CLI printed no reset time: one hour.
  public static let defaultCooldown: TimeInterval = 3600

  /// The accounts.
  public let store: AccountStore
  /// How long an exhausted account sits out when no reset time is known.
  public var cooldown: TimeInterval
  /// When an account's usage readings make the next run prefer another account.
  public var thresholds: RotationThresholds

  /// A policy over `store`'s accounts.
  public init(
    store: AccountStore, cooldown: TimeInterval = RotationPolicy.defaultCooldown,
    thresholds: RotationThresholds = .standard
  ) {
    self.store = store
    self.cooldown = cooldown
    self.thresholds = thresholds
  }

  /// When an account exhausted at `now` frees up: the reported reset when it is still ahead, else
  /// `now` plus the cooldown (a reset already past would make the account fail again at once).
  public func resetTime(reported: Date?, now: Date) -> Date {
    if let reported, reported > now { return reported }
    return now.addingTimeInterval(cooldown)
  }

  /// Parks the account until ``resetTime(reported:now:)`` (never earlier than a later reset it
  /// already waits for) and records why.
  ///
  /// - Throws: ``StoreError`` (`notFound`, …).
  @discardableResult
  public func markExhausted(accountID: String, reportedReset: Date?, reason: String?, now: Date)
    throws(StoreError)
    -> Account
  {
    try store.markExhausted(
      id: accountID, until: resetTime(reported: reportedReset, now: now), reason: reason, at: now)
  }

  // MARK: Choosing

  /// The account the next run of an agent of `provider` uses. Every choice of an account is made
  /// here, in this order:
  ///
  /// 1. `pinned` (an id or label the user asked for): that account, or an error saying why not.
  /// 2. `current` (the account the agent ran on), while it is usable and not in `excluding`: an agent
  ///    does not switch accounts without a reason.
  /// 3. The least recently used usable account not in `excluding` (never-used ones first, then the
  ///    oldest).
  ///
  /// An exhausted account whose reset has passed counts as usable and is made available again on
  /// the way.
  ///
  /// - Parameters:
  ///   - provider: the provider name.
  ///   - pinned: an account id or label the user asked for, if any.
  ///   - current: the id of the account the agent last ran on, if any.
  ///   - excluding: ids not to choose (for example the one that just hit its limit).
  ///   - now: the current time.
  /// - Returns: the account, or nil when the provider has no accounts at all (the CLI then runs with
  ///   the user's own environment).
  /// - Throws: ``CredentialError``: `noAccount` (the pinned account is unknown or disabled, or every
  ///   account is disabled), `allExhausted` with ``CredentialError/earliestReset`` (the pinned
  ///   account, or every usable one, is exhausted), `io` for a database failure.
  public func choose(
    provider: String, pinned: String? = nil, current: String? = nil, excluding: Set<String> = [], now: Date
  ) throws(CredentialError) -> Account? {
    if let pinned { return try pinnedAccount(pinned, provider: provider, now: now) }
    if let current, !excluding.contains(current), let account = (try? store.account(id: current)) ?? nil,
      account.isUsable(at: now)
    {
      // Near its limit (by its last readings), it gives way to an account that is not, if any.
      guard isNearLimit(account, now: now),
        let fresher = try? leastRecentlyUsed(
          provider: provider, excluding: excluding.union([current]), now: now),
        !isNearLimit(fresher, now: now)
      else { return try pinnedAccount(current, provider: provider, now: now) }
      return fresher
    }
    return try leastRecentlyUsed(provider: provider, excluding: excluding, now: now)
  }

  /// The account to switch to after `current` hit its limit: ``choose(provider:pinned:current:excluding:now:)``
  /// with `current` excluded.
  ///
  /// - Throws: see ``choose(provider:pinned:current:excluding:now:)``.
  public func nextAccount(after current: String?, provider: String, now: Date) throws(CredentialError)
    -> Account?
  {
    try choose(provider: provider, excluding: current.map { [$0] } ?? [], now: now)
  }

  /// Whether an account can be chosen now, for an agent waiting for one: the pinned account (by id or
  /// label) when there is one, else any account of `provider`, is usable. A failure to read the
  /// accounts reads as "no".
  public func canChoose(provider: String, pinned: String?, now: Date) -> Bool {
    let leased = (try? store.exclusivelyLeasedIDs()) ?? []
    let accounts = ((try? store.list(provider: provider)) ?? []).filter { !leased.contains($0.id) }
    if let pinned {
      return accounts.contains { ($0.id == pinned || $0.label == pinned) && $0.isUsable(at: now) }
    }
    return accounts.contains { $0.isUsable(at: now) }
  }

  /// The account `reference` (an id or label) of `provider`, when it can be used.
  private func pinnedAccount(_ reference: String, provider: String, now: Date) throws(CredentialError)
    -> Account
  {
    let found = try Self.io { () throws(StoreError) in
      try store.account(reference: reference, provider: provider)
    }
    guard let account = found else {
      throw CredentialError(
        .noAccount, "\(provider) has no account \"\(reference)\"")
    }
    if let lease = ((try? store.leases(accountID: account.id)) ?? []).first(where: { $0.kind == .exclusive })
    {
      throw CredentialError(
        .noAccount,
        "\(provider) account \"\(account.label)\" is leased to host \(lease.host); it comes back when "
          + "that host stops using it")
    }
    switch account.status {
    case .available:
      return account
    case .disabled:
      throw CredentialError(
        .noAccount,
        "\(provider) account \"\(account.label)\" (\(account.id)) is disabled; enable it to use it")
    case .exhausted:
      guard account.isUsable(at: now) else {
        let reset = account.exhaustedUntil
        throw CredentialError(
          .allExhausted,
          "\(provider) account \"\(account.label)\" is exhausted"
            + (reset.map { " until \(Self.describe($0, now: now))" } ?? ""),
          earliestReset: reset)
      }
      return try revived(account, now: now)
    }
  }

  /// The least recently used usable account of `provider` not in `excluding`; nil when the provider
  /// has no accounts.
  private func leastRecentlyUsed(provider: String, excluding: Set<String>, now: Date) throws(CredentialError)
    -> Account?
  {
    let accounts = try Self.io { () throws(StoreError) in try store.list(provider: provider) }
    guard !accounts.isEmpty else { return nil }
    // An account lent to a host holds its single-use refresh token there: not here meanwhile.
    let excluding = excluding.union(try Self.io { () throws(StoreError) in try store.exclusivelyLeasedIDs() })
    // Accounts near a limit (by their last readings) only when there is no other.
    let nearLimit = Set(accounts.filter { isNearLimit($0, now: now) }.map(\.id))
    if let chosen = Self.leastRecentlyUsed(accounts, excluding: excluding.union(nearLimit), now: now)
      ?? Self.leastRecentlyUsed(accounts, excluding: excluding, now: now)
    {
      return try revived(chosen, now: now)
    }
    if accounts.allSatisfy({ $0.status == .disabled }) {
      throw CredentialError(
        .noAccount,
        "every \(provider) account is disabled; enable one to use it")
    }
    let reset = Self.earliestReset(of: accounts, now: now)
    var message = "no \(provider) account is usable: "
    if let reset {
      message += "every one is exhausted or disabled; the first frees up at \(Self.describe(reset, now: now))"
    } else {
      message += "the others are exhausted or disabled"
    }
    throw CredentialError(.allExhausted, message, earliestReset: reset)
  }

  /// Whether the account's last usage readings put it at or over a ``thresholds`` share of a window
  /// that has not reset yet (an unreadable store reads as "no").
  public func isNearLimit(_ account: Account, now: Date) -> Bool {
    thresholds.isOver((try? store.quota(accountID: account.id)) ?? [], now: now)
  }

  /// The usable account (``Account/isUsable(at:)``) not in `excluding` that was used least recently
  /// (never-used ones first, then the oldest), or nil.
  static func leastRecentlyUsed(_ accounts: [Account], excluding: Set<String>, now: Date) -> Account? {
    accounts.filter { !excluding.contains($0.id) && $0.isUsable(at: now) }.min { left, right in
      let l = left.lastUsedAt ?? .distantPast
      let r = right.lastUsedAt ?? .distantPast
      if l != r { return l < r }
      if left.createdAt != right.createdAt { return left.createdAt < right.createdAt }
      return left.id < right.id
    }
  }

  // MARK: Resets

  /// When the first exhausted (not disabled) account of `provider` frees up, or nil when none is
  /// exhausted.
  ///
  /// - Throws: ``StoreError``.
  public func earliestReset(provider: String) throws(StoreError) -> Date? {
    Self.earliestReset(of: try store.list(provider: provider), now: nil)
  }

  /// The earliest reset among exhausted accounts (only those still ahead of `now`, when given).
  static func earliestReset(of accounts: [Account], now: Date?) -> Date? {
    accounts.filter { $0.status == .exhausted }.compactMap(\.exhaustedUntil)
      .filter { reset in now.map { reset > $0 } ?? true }.min()
  }

  /// The account, made available when it was exhausted and its reset has passed.
  func revived(_ account: Account, now: Date) throws(CredentialError) -> Account {
    guard account.status == .exhausted else { return account }
    return try Self.io { () throws(StoreError) in
      try store.clearExhaustion(id: account.id, at: now, message: "its reset time passed")
    }
  }

  /// `2026-01-02T15:04:05Z (in 2h13m)`.
  static func describe(_ date: Date, now: Date) -> String {
    let seconds = max(0, Int(date.timeIntervalSince(now).rounded(.up)))
    let span =
      seconds >= 3600
      ? "\(seconds / 3600)h\(String(format: "%02d", seconds % 3600 / 60))m"
      : seconds >= 60 ? "\(seconds / 60)m" : "\(seconds)s"
    return "\(date.formatted(.iso8601)) (in \(span))"
  }

  /// Runs a store operation, reporting its failure as a ``CredentialError`` with code `io`.
  static func io<T>(_ operation: () throws(StoreError) -> T) throws(CredentialError) -> T {
    do {
      return try operation()
    } catch {
      throw CredentialError(
        .io, "cannot read or update the accounts: \(error.description)", underlying: error)
    }
  }
}
