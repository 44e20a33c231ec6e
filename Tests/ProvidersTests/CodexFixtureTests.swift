import Foundation
import ProviderKit
import Testing

@testable import Providers

/// The parser against transcripts recorded from the real codex-cli 0.163.0 (Fixtures/codex).
@Suite struct CodexFixtureTests {
  @Test func codexHelloYieldsSessionTextUsageAndResult() throws {
    let (events, meta) = try parseFixture("codex", "hello")
    #expect(events.names == ["session_started", "assistant_text", "usage", "result"])
    #expect(events.sessionIDs == [try #require(meta.sessionID)])
    #expect(events.texts == ["Hello from the fake model."])
    let completed = try #require(
      try fixtureObjects("codex", "hello").last { $0["type"] as? String == "turn.completed" })
    let reported = try #require(completed["usage"] as? [String: Any])
    #expect(
      events.usages
        == [
          Usage(
            inputTokens: reported["input_tokens"] as? Int, outputTokens: reported["output_tokens"] as? Int,
            cachedInputTokens: reported["cached_input_tokens"] as? Int)
        ])
    #expect((events.usages.first?.inputTokens ?? 0) > 0)
    #expect(events.results.map(\.text) == ["Hello from the fake model."])
    #expect(events.results.map(\.isError) == [false])
  }

  @Test func codexToolUseYieldsCommandCallAndResult() throws {
    let (events, _) = try parseFixture("codex", "tool-use")
    #expect(
      events.names == [
        "session_started", "assistant_text", "tool_use", "tool_result", "assistant_text", "usage", "result",
      ])
    let call = try #require(events.toolUses.first)
    #expect(call.id == "item_1")
    #expect(call.name == "command_execution")
    #expect(call.input == #"{"command":"/bin/bash -lc 'echo tool-ran > tool_signal.txt && ls'"}"#)
    #expect(events.toolResults.first?.id == "item_1")
    #expect(events.toolResults.first?.output == "tool_signal.txt\n")
    #expect(events.toolResults.first?.isError == false)
    #expect(events.results.first?.text == "Done: the command ran.")
  }

  @Test func codexResumeKeepsTheThreadID() throws {
    let (events, meta) = try parseFixture("codex", "resume")
    #expect(events.sessionIDs == [try #require(meta.sessionID)])
    #expect(events.texts == ["ANSWER-TWO after resuming."])
  }

  @Test func codexUsageLimitIsOneExhaustionAtTheLocalClockTime() throws {
    let (events, meta) = try parseFixture("codex", "usage-limit")
    #expect(events.names == ["session_started", "error", "exhausted", "error", "result"])
    #expect(events.exhaustions.count == 1)
    let reset = try #require(events.exhaustions.first?.resetAt)
    let expected = try #require(meta.resetEpoch)
    // "try again at 11:08 PM." is minute-precision.
    #expect(reset.timeIntervalSince1970 == (expected / 60).rounded(.down) * 60)
    #expect(events.exhaustions.first?.message.hasPrefix("You’ve hit your usage limit.") == true)
    #expect(events.results.map(\.isError) == [true])
  }

  @Test func codexWeeklyUsageLimitReadsTheFullDate() throws {
    let (events, meta) = try parseFixture("codex", "usage-limit-weekly")
    #expect(events.exhaustions.count == 1)
    let reset = try #require(events.exhaustions.first?.resetAt)
    let expected = try #require(meta.resetEpoch)
    #expect(reset.timeIntervalSince1970 == (expected / 60).rounded(.down) * 60)
    #expect(reset.timeIntervalSince(meta.now) > 2 * 86_400)
  }

  @Test func codexUsageLimitResetFollowsTheLocalTimeZone() throws {
    // Recorded in UTC; the same text printed by a Codex running in Berlin (UTC+1 in winter) means
    // that wall-clock time in Berlin, one hour earlier in absolute time.
    let fixture = try Fixture("codex", "usage-limit")
    #expect(fixture.meta.tz == "UTC")
    let berlin = TimeZone(identifier: "Europe/Berlin")!
    #expect(berlin.secondsFromGMT(for: fixture.meta.now) == 3600)
    let events = try parse(
      "codex", fixture.bytes, context: context("codex", now: fixture.meta.now, timeZone: berlin))
    let expected = try #require(fixture.meta.resetEpoch)
    #expect(
      events.exhaustions.first?.resetAt?.timeIntervalSince1970 == (expected / 60).rounded(.down) * 60 - 3600)
  }

  @Test func codexReconnectingLinesAreRetriesNotFailures() throws {
    for scenario in ["server-error", "overloaded"] {
      let (events, _) = try parseFixture("codex", scenario)
      #expect(
        events.names == ["session_started", "retrying", "retrying", "error", "error", "result"], "\(scenario)"
      )
      #expect(events.retries.map(\.attempt) == [1, 2])
      #expect(events.retries.map(\.maxAttempts) == [2, 2])
      #expect(events.retries.allSatisfy { $0.message.hasPrefix("Reconnecting... ") })
      #expect(events.errors.allSatisfy { !$0.hasPrefix("Reconnecting") })
      #expect(events.exhaustions.isEmpty, "\(scenario)")
      #expect(events.results.map(\.isError) == [true])
    }
  }

  @Test func codexRateLimit429AndAuthErrorsAreNotExhaustion() throws {
    for scenario in ["rate-limit-429", "auth-error"] {
      let (events, _) = try parseFixture("codex", scenario)
      #expect(events.names == ["session_started", "error", "error", "result"], "\(scenario)")
      #expect(events.exhaustions.isEmpty, "\(scenario)")
      #expect(events.results.map(\.isError) == [true])
    }
  }

  @Test func codexTurnFailedEndsTheRunWithAnErrorAndAFailedResult() throws {
    let (events, _) = try parseFixture("codex", "rate-limit-429")
    let message = try #require(events.errors.last)
    #expect(message.hasPrefix("exceeded retry limit, last status: 429 Too Many Requests"))
    #expect(events.last?.kind == .result(text: message, isError: true))
    #expect(events.dropLast().last?.kind == .error(message: message))
  }

  @Test func codexResumeOfAnUnknownThreadPrintsOnlyStderrKeptAsRaw() throws {
    let fixture = try Fixture("codex", "resume-not-found")
    #expect(fixture.bytes.isEmpty)
    let stderr = try Data(
      contentsOf: fixturesDirectory.appendingPathComponent("codex/resume-not-found.stderr.txt"))
    let events = try parse("codex", Array(stderr), context: context("codex", now: fixture.meta.now))
    #expect(events.names.allSatisfy { $0 == "raw" })
    #expect(
      events.raws.last?.hasPrefix("Error: thread/resume: thread/resume failed: no rollout found") == true)
  }
}
