import Foundation
import StateStore
import TestSupport
import Testing

@testable import Credentials

/// Choosing an account: least recently used first, exhausted ones sit out until their reset,
/// pinned accounts are honoured, and "none usable" says when the first frees up.
@Suite struct AccountSelectionTests {
  let fixture: AccountsFixture
  let handler: CredentialHandler
  let now = Date(timeIntervalSince1970: 1_800_000_000)
  var store: AccountStore { fixture.store }

  init() throws {
    fixture = try AccountsFixture()
    handler = CredentialHandler(store: fixture.store, environment: [:])
  }

  @Test func providerWithoutAccountsGetsNil() throws {
    #expect(try handler.select(provider: "claude", pinned: nil, excluding: [], now: now) == nil)
    _ = try store.add(provider: "codex", label: "a", secret: .apiKey("k"))
    #expect(try handler.select(provider: "claude", pinned: nil, excluding: [], now: now) == nil)
  }

  @Test func picksTheLeastRecentlyUsedUsableAccount() throws {
    let a = try store.add(provider: "claude", label: "a", secret: .apiKey("ka"), at: now)
    let b = try store.add(
      provider: "claude", label: "b", secret: .apiKey("kb"), at: now.addingTimeInterval(1))
    let c = try store.add(
      provider: "claude", label: "c", secret: .apiKey("kc"), at: now.addingTimeInterval(2))
    // Never-used accounts first, oldest first.
    #expect(try handler.select(provider: "claude", pinned: nil, now: now)?.id == a.id)
    _ = try store.markUsed(id: a.id, at: now.addingTimeInterval(10))
    #expect(try handler.select(provider: "claude", pinned: nil, now: now)?.id == b.id)
    _ = try store.markUsed(id: b.id, at: now.addingTimeInterval(20))
    _ = try store.markUsed(id: c.id, at: now.addingTimeInterval(5))
    #expect(try handler.select(provider: "claude", pinned: nil, now: now)?.id == c.id)
    // Excluded, disabled and exhausted accounts are skipped.
    #expect(try handler.select(provider: "claude", pinned: nil, excluding: [c.id], now: now)?.id == a.id)
    _ = try store.setEnabled(id: c.id, false)
    _ = try store.markExhausted(id: a.id, until: now.addingTimeInterval(600), reason: nil, at: now)
    #expect(try handler.select(provider: "claude", pinned: nil, now: now)?.id == b.id)
    let none = #expect(throws: CredentialError.self) {
      try handler.policy.nextAccount(after: b.id, provider: "claude", now: now)
    }
    #expect(none?.code == .allExhausted && none?.earliestReset == now.addingTimeInterval(600))
  }

  @Test func anExhaustedAccountWhoseResetPassedIsUsableAgain() throws {
    let a = try store.add(provider: "codex", label: "a", secret: .apiKey("ka"))
    _ = try store.markExhausted(id: a.id, until: now.addingTimeInterval(60), reason: "limit", at: now)
    let error = #expect(throws: CredentialError.self) {
      try handler.select(provider: "codex", pinned: nil, now: now)
    }
    #expect(error?.code == .allExhausted)
    let later = now.addingTimeInterval(61)
    let chosen = try handler.select(provider: "codex", pinned: nil, now: later)
    #expect(chosen?.id == a.id && chosen?.status == .available && chosen?.exhaustedUntil == nil)
    #expect(try store.account(id: a.id)?.status == .available)
    #expect(try store.events(accountID: a.id).last?.type == AccountEvent.Kind.reset)
  }

  @Test func allExhaustedCarriesTheEarliestReset() throws {
    let a = try store.add(provider: "claude", label: "a", secret: .apiKey("ka"))
    let b = try store.add(provider: "claude", label: "b", secret: .apiKey("kb"))
    let c = try store.add(provider: "claude", label: "c", secret: .apiKey("kc"))
    _ = try store.markExhausted(id: a.id, until: now.addingTimeInterval(7200), reason: nil, at: now)
    _ = try store.markExhausted(id: b.id, until: now.addingTimeInterval(1800), reason: nil, at: now)
    _ = try store.setEnabled(id: c.id, false)
    let error = #expect(throws: CredentialError.self) {
      try handler.select(provider: "claude", pinned: nil, now: now)
    }
    #expect(error?.code == .allExhausted)
    #expect(error?.earliestReset == now.addingTimeInterval(1800))
    #expect(try handler.policy.earliestReset(provider: "claude") == now.addingTimeInterval(1800))
    #expect(try handler.policy.earliestReset(provider: "codex") == nil)

    // Only the excluded account is usable: still allExhausted, with the others' reset.
    _ = try store.setEnabled(id: c.id, true)
    let excluded = #expect(throws: CredentialError.self) {
      try handler.policy.nextAccount(after: c.id, provider: "claude", now: now)
    }
    #expect(excluded?.code == .allExhausted && excluded?.earliestReset == now.addingTimeInterval(1800))

    // Every account disabled: nothing will ever free up.
    for account in [a, b, c] { _ = try store.setEnabled(id: account.id, false) }
    let disabled = #expect(throws: CredentialError.self) {
      try handler.select(provider: "claude", pinned: nil, now: now)
    }
    #expect(disabled?.code == .noAccount)
  }

  @Test func pinnedAccountsAreHonouredOrRefusedClearly() throws {
    let a = try store.add(provider: "claude", label: "a", secret: .apiKey("ka"))
    let b = try store.add(provider: "claude", label: "b", secret: .apiKey("kb"))
    _ = try store.markUsed(id: a.id, at: now.addingTimeInterval(-100))
    // Pinned wins over least-recently-used, by label or by id.
    #expect(try handler.select(provider: "claude", pinned: "a", now: now)?.id == a.id)
    #expect(try handler.select(provider: "claude", pinned: a.id, now: now)?.id == a.id)

    let unknown = #expect(throws: CredentialError.self) {
      try handler.select(provider: "claude", pinned: "zz", now: now)
    }
    #expect(unknown?.code == .noAccount)
    let otherProvider = #expect(throws: CredentialError.self) {
      try handler.select(provider: "codex", pinned: a.id, now: now)
    }
    #expect(otherProvider?.code == .noAccount)

    _ = try store.setEnabled(id: b.id, false)
    let disabled = #expect(throws: CredentialError.self) {
      try handler.select(provider: "claude", pinned: "b", now: now)
    }
    #expect(disabled?.code == .noAccount)

    _ = try store.markExhausted(id: a.id, until: now.addingTimeInterval(300), reason: nil, at: now)
    let exhausted = #expect(throws: CredentialError.self) {
      try handler.select(provider: "claude", pinned: "a", now: now)
    }
    #expect(exhausted?.code == .allExhausted && exhausted?.earliestReset == now.addingTimeInterval(300))
    let revived = try handler.select(provider: "claude", pinned: "a", now: now.addingTimeInterval(301))
    #expect(revived?.status == .available)
  }

  @Test func theCurrentAccountIsKeptWhileUsable() throws {
    let policy = handler.policy
    let a = try store.add(provider: "claude", label: "a", secret: .apiKey("ka"), at: now)
    let b = try store.add(
      provider: "claude", label: "b", secret: .apiKey("kb"), at: now.addingTimeInterval(1))
    _ = try store.markUsed(id: b.id, at: now.addingTimeInterval(10))
    // Least recently used would be a; the agent stays on b, its current account.
    #expect(try policy.choose(provider: "claude", current: b.id, now: now)?.id == b.id)
    #expect(try policy.choose(provider: "claude", now: now)?.id == a.id)
    // Excluded, unusable or unknown: the least recently used usable one instead.
    #expect(try policy.choose(provider: "claude", current: b.id, excluding: [b.id], now: now)?.id == a.id)
    #expect(try policy.choose(provider: "claude", current: "gone0000", now: now)?.id == a.id)
    _ = try store.markExhausted(id: b.id, until: now.addingTimeInterval(60), reason: nil, at: now)
    #expect(try policy.choose(provider: "claude", current: b.id, now: now)?.id == a.id)
    // Pinned wins over current.
    #expect(try policy.choose(provider: "claude", pinned: "a", current: b.id, now: now)?.id == a.id)
    // Waiting agents: something can be chosen, the pinned one cannot yet.
    #expect(policy.canChoose(provider: "claude", pinned: nil, now: now))
    #expect(!policy.canChoose(provider: "claude", pinned: "b", now: now))
    #expect(policy.canChoose(provider: "claude", pinned: b.id, now: now.addingTimeInterval(61)))
    #expect(!policy.canChoose(provider: "codex", pinned: nil, now: now))
  }

  @Test func resetTimesFallBackToTheCooldown() throws {
    let policy = RotationPolicy(store: store)
    #expect(RotationPolicy.defaultCooldown == 3600)
    #expect(policy.resetTime(reported: nil, now: now) == now.addingTimeInterval(3600))
    #expect(policy.resetTime(reported: now.addingTimeInterval(-5), now: now) == now.addingTimeInterval(3600))
    #expect(policy.resetTime(reported: now.addingTimeInterval(90), now: now) == now.addingTimeInterval(90))
    let a = try store.add(provider: "claude", label: "a", secret: .apiKey("ka"))
    let marked = try policy.markExhausted(
      accountID: a.id, reportedReset: nil, reason: "no reset printed", now: now)
    #expect(marked.exhaustedUntil == now.addingTimeInterval(3600))
  }
}
