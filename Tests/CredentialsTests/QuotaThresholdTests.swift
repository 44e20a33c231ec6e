import Foundation
import ProviderKit
import StateStore
import TestSupport
import Testing

@testable import Credentials

/// Switching before the limit: an account whose last readings reach a threshold share of a window
/// that has not reset gives way to one that does not, at the next choice — and is still used when
/// no other is.
@Suite struct QuotaThresholdTests {
  let fixture: AccountsFixture
  let now = Date(timeIntervalSince1970: 1_800_000_000)
  var store: AccountStore { fixture.store }

  init() throws {
    fixture = try AccountsFixture()
  }

  func policy(_ thresholds: RotationThresholds = .standard) -> RotationPolicy {
    RotationPolicy(store: store, thresholds: thresholds)
  }

  func read(_ account: Account, _ window: String, _ share: Double, resetIn: TimeInterval = 3600) throws {
    try store.recordQuota(
      accountID: account.id,
      QuotaReading(windows: [
        .init(name: window, utilization: share, resetsAt: now.addingTimeInterval(resetIn))
      ]),
      at: now)
  }

  @Test func readingsAreKeptPerWindowAndReplacedByNewerOnes() throws {
    let a = try store.add(provider: "claude", label: "a", secret: .apiKey("ka"), at: now)
    try read(a, "five_hour", 0.5)
    try read(a, "seven_day", 0.2)
    try read(a, "five_hour", 0.95)
    let quota = try store.quota(accountID: a.id)
    #expect(quota.map(\.window.name) == ["five_hour", "seven_day"])
    #expect(quota.map(\.window.utilization) == [0.95, 0.2])
    #expect(quota.allSatisfy { $0.readAt == now })
    try store.recordQuota(
      accountID: "no-such-account", QuotaReading(windows: [.init(name: "x", utilization: 1)]))
    _ = try store.remove(id: a.id)
    #expect(try store.quota(accountID: a.id).isEmpty)
  }

  @Test func theCurrentAccountGivesWayAtTheThresholdOnlyWhenAnotherIsBelowIt() throws {
    let a = try store.add(provider: "claude", label: "a", secret: .apiKey("ka"), at: now)
    let b = try store.add(
      provider: "claude", label: "b", secret: .apiKey("kb"), at: now.addingTimeInterval(1))
    try read(a, "five_hour", 0.89)
    #expect(try policy().choose(provider: "claude", current: a.id, now: now)?.id == a.id)
    try read(a, "five_hour", 0.95)
    #expect(try policy().choose(provider: "claude", current: a.id, now: now)?.id == b.id)
    // B nearly used up too: A stays (no flapping to an account no better).
    try read(b, "seven_day", 0.99)
    #expect(try policy().choose(provider: "claude", current: a.id, now: now)?.id == a.id)
    // A reading whose window has reset since counts for nothing.
    let later = now.addingTimeInterval(7200)
    #expect(try policy().choose(provider: "claude", current: b.id, now: later)?.id == b.id)
  }

  @Test func aFreshChoiceSkipsAccountsNearALimitUnlessAllAre() throws {
    let a = try store.add(provider: "codex", label: "a", secret: .apiKey("ka"), at: now)
    let b = try store.add(provider: "codex", label: "b", secret: .apiKey("kb"), at: now.addingTimeInterval(1))
    try read(a, "primary", 0.9)
    #expect(try policy().choose(provider: "codex", now: now)?.id == b.id)
    try read(b, "primary", 0.97)
    #expect(try policy().choose(provider: "codex", now: now)?.id == a.id, "least recently used of the two")
    #expect(try policy().choose(provider: "codex", pinned: "a", now: now)?.id == a.id, "a pin is a pin")
  }

  @Test func perWindowThresholds() throws {
    let a = try store.add(provider: "claude", label: "a", secret: .apiKey("ka"), at: now)
    _ = try store.add(provider: "claude", label: "b", secret: .apiKey("kb"), at: now.addingTimeInterval(1))
    try read(a, "seven_day", 0.95, resetIn: 86400)
    let lenient = RotationThresholds(defaultShare: 0.9, perWindow: ["seven_day": 0.98])
    #expect(try policy(lenient).choose(provider: "claude", current: a.id, now: now)?.id == a.id)
    #expect(try policy().choose(provider: "claude", current: a.id, now: now)?.label == "b")
    #expect(lenient.share(for: "five_hour") == 0.9 && lenient.share(for: "seven_day") == 0.98)
  }
}
