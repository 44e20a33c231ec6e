import Foundation
import ProviderKit
import Providers
import Testing

/// Usage readings: Claude's `rate_limit_event` windows (printed on subscription turns) and Codex's
/// `token_count.rate_limits` (written only to its session file), both as recorded from the real CLIs.
@Suite struct QuotaReadingTests {
  static let sessions = fixturesDirectory.appendingPathComponent("sessions")

  static func readings(_ events: [AgentEvent]) -> [QuotaReading] {
    events.compactMap { if case .quota(let reading) = $0.kind { reading } else { nil } }
  }

  @Test func claudeWarningTurnGivesEveryWindowAndIsNoLimit() throws {
    let text = try String(
      contentsOf: Self.sessions.appendingPathComponent("claude-rate-limit-allowed-warning.jsonl"),
      encoding: .utf8)
    let events = try parse(
      "claude", text, context: context("claude", now: Date(timeIntervalSince1970: 1_796_230_000)))
    let reading = try #require(Self.readings(events).first)
    #expect(reading.status == "allowed_warning")
    #expect(
      reading.windows == [
        QuotaReading.Window(
          name: "five_hour", utilization: 0.95, resetsAt: Date(timeIntervalSince1970: 1_796_239_172),
          status: "allowed_warning"),
        QuotaReading.Window(
          name: "seven_day", utilization: 0.4, resetsAt: Date(timeIntervalSince1970: 1_796_631_972),
          status: "allowed"),
      ])
    #expect(!events.contains { if case .exhausted = $0.kind { true } else { false } })
  }

  @Test func claudeRejectedTurnIsAReadingAndALimit() throws {
    let (events, _) = try parseFixture("claude", "usage-limit")
    let reading = try #require(Self.readings(events).first)
    #expect(reading.windows.map(\.name) == ["five_hour"])
    #expect(reading.windows.first?.utilization == 1)
    #expect(events.contains { if case .exhausted = $0.kind { true } else { false } })
  }

  @Test func claudeLineWithoutWindowsReadsTheNamedOneOrNothing() throws {
    let plain =
      #"{"type":"rate_limit_event","rate_limit_info":{"status":"allowed","resetsAt":1796239172,"rateLimitType":"seven_day","utilization":0.5}}"#
    let named = Self.readings(try parse("claude", plain, context: context("claude", now: Date())))
    #expect(named.first?.windows.map(\.name) == ["seven_day"])
    #expect(named.first?.windows.first?.utilization == 0.5)
    let bare = #"{"type":"rate_limit_event","rate_limit_info":{"status":"allowed"}}"#
    #expect(Self.readings(try parse("claude", bare, context: context("claude", now: Date()))).isEmpty)
  }

  @Test func codexSessionFileGivesItsLastRateLimits() throws {
    let file = Self.sessions.appendingPathComponent("codex-rollout-quota.jsonl").path
    let reading = try #require(SessionQuotaReader.reading(dialect: "codex-exec-json", sessionFile: file))
    #expect(reading.windows.map(\.name) == ["primary", "secondary"])
    #expect(reading.windows.first?.utilization == 0.95)
    #expect(reading.windows.first?.windowMinutes == 300)
    #expect(reading.windows.last?.utilization == 0.4)
    #expect(reading.windows.first?.resetsAt != nil)
    #expect(SessionQuotaReader.reading(dialect: "claude-stream-json", sessionFile: file) == nil)
    #expect(SessionQuotaReader.reading(dialect: "codex-exec-json", sessionFile: file + ".missing") == nil)
  }

  @Test func aReadingSurvivesTheEventJSONShape() throws {
    let event = AgentEvent(
      offset: 7,
      kind: .quota(
        QuotaReading(
          status: "allowed",
          windows: [.init(name: "primary", utilization: 0.25, resetsAt: Date(timeIntervalSince1970: 10))])))
    let data = try JSONEncoder().encode(event)
    #expect(try JSONDecoder().decode(AgentEvent.self, from: data) == event)
    #expect(String(decoding: data, as: UTF8.self).contains(#""type":"quota""#))
  }
}

/// Limit texts learned since: each is exhaustion, with or without a reset time.
@Suite struct NewLimitTextTests {
  @Test func outOfExtraUsageWithoutAResetIsALimitWithTheDefaultCooldown() throws {
    let line = #"""
      {"type":"result","subtype":"success","is_error":true,"api_error_status":400,"result":"API Error: 400 You're out of extra usage. Add more at claude.ai/settings/usage and keep going.","session_id":"s1"}
      """#
    let events = try parse("claude", line, context: context("claude", now: Date()))
    let limits = events.exhaustions
    #expect(limits.count == 1)
    #expect(limits.first?.resetAt == nil, "no reset printed: the account sits out the default cooldown")
  }

  @Test func everyBuiltinLimitTextSaysWhereItWasSeen() throws {
    for provider in ["claude", "codex"] {
      let rules = try definition(provider).exhaustion
      #expect(!rules.isEmpty)
      #expect(
        rules.allSatisfy { !($0.seen ?? "").isEmpty }, "\(provider): \(rules.filter { $0.seen == nil })")
    }
  }
}
