import Foundation
import ProviderKit
import Testing

@testable import Providers

/// The parser against transcripts recorded from the real Claude Code 2.1.330 (Fixtures/claude).
@Suite struct ClaudeFixtureTests {
  @Test func claudeHelloYieldsSessionTextUsageAndResult() throws {
    let (events, meta) = try parseFixture("claude", "hello")
    #expect(events.names == ["session_started", "assistant_text", "usage", "result"])
    #expect(events.sessionIDs == [try #require(meta.sessionID)])
    #expect(events.texts == ["Hello from the fake model."])
    let result = try #require(
      try fixtureObjects("claude", "hello").last { $0["type"] as? String == "result" })
    let reported = try #require(result["usage"] as? [String: Any])
    let usage = try #require(events.usages.first)
    #expect(usage.inputTokens == reported["input_tokens"] as? Int)
    #expect(usage.outputTokens == reported["output_tokens"] as? Int)
    #expect(usage.cachedInputTokens == reported["cache_read_input_tokens"] as? Int)
    // Foundation's reader is not exact in the last digit; ours is.
    #expect(abs((usage.costUSD ?? 0) - (result["total_cost_usd"] as? Double ?? -1)) < 1e-12)
    #expect((usage.inputTokens ?? 0) > 0)
    #expect(events.results.map(\.text) == ["Hello from the fake model."])
    #expect(events.results.map(\.isError) == [false])
  }

  @Test func claudeSessionStartsOnTheInitLine() throws {
    let (events, _) = try parseFixture("claude", "hello")
    #expect(events.first?.offset == 0)
    #expect(events.filter { $0.kind.name == "session_started" }.count == 1)
  }

  @Test func claudeToolUseYieldsToolCallAndResult() throws {
    let (events, _) = try parseFixture("claude", "tool-use")
    #expect(
      events.names == [
        "session_started", "assistant_text", "tool_use", "tool_result", "assistant_text", "usage", "result",
      ])
    let call = try #require(events.toolUses.first)
    #expect(call.id?.hasPrefix("toolu_") == true)
    #expect(call.name == "Bash")
    #expect(call.input == #"{"command":"echo tool-ran > tool_signal.txt && ls"}"#)
    let result = try #require(events.toolResults.first)
    #expect(result.id == call.id)
    #expect(result.output == "tool_signal.txt")
    #expect(result.isError == false)
    #expect(events.texts == ["Running a command.", "Done: the command ran."])
    #expect(events.results.first?.text == "Done: the command ran.")
  }

  @Test func claudeResumeKeepsTheSameSessionID() throws {
    let (events, meta) = try parseFixture("claude", "resume")
    #expect(events.sessionIDs == [try #require(meta.sessionID)])
    #expect(events.texts == ["ANSWER-TWO after resuming."])
    #expect(events.results.map(\.isError) == [false])
  }

  @Test func claudeUsageLimitIsOneExhaustionAtTheStructuredResetTime() throws {
    let (events, meta) = try parseFixture("claude", "usage-limit")
    #expect(
      events.names == ["session_started", "quota", "exhausted", "error", "usage", "error", "result"])
    #expect(events.exhaustions.count == 1)
    #expect(events.exhaustions.first?.resetAt == meta.resetAt)
    let limitText = try #require(events.errors.first)
    #expect(limitText.hasPrefix("You've hit your 5-hour limit · resets "))
    #expect(limitText.hasSuffix("(UTC)"))
    #expect(events.errors == [limitText, limitText])
    #expect(events.results.map(\.isError) == [true])
    #expect(events.results.first?.text == limitText)
  }

  @Test func claudeWeeklyUsageLimitResetsDaysLater() throws {
    let (events, meta) = try parseFixture("claude", "usage-limit-weekly")
    #expect(events.exhaustions.count == 1)
    let reset = try #require(events.exhaustions.first?.resetAt)
    #expect(reset == meta.resetAt)
    #expect(reset.timeIntervalSince(meta.now) > 2 * 86_400)
    #expect(events.errors.first?.hasPrefix("You've hit your weekly limit · resets ") == true)
  }

  /// Without the structured fields, the text alone gives the reset to the minute.
  @Test func claudeUsageLimitTextAloneGivesTheResetToTheMinute() throws {
    for scenario in ["usage-limit", "usage-limit-weekly"] {
      let fixture = try Fixture("claude", scenario)
      let resultLine = try #require(
        String(decoding: fixture.bytes, as: UTF8.self).split(separator: "\n").last {
          $0.contains("\"result\":")
        })
      let bare = resultLine.replacingOccurrences(of: #""api_error":"usage_limit_reached","#, with: "")
      let events = try parse(
        "claude", bare, context: context("claude", now: fixture.meta.now, timeZone: fixture.meta.timeZone))
      let reset = try #require(events.exhaustions.first?.resetAt)
      let expected = try #require(fixture.meta.resetEpoch)
      #expect(reset.timeIntervalSince1970 == (expected / 60).rounded(.down) * 60, "\(scenario)")
    }
  }

  @Test func claudeFinalRateLimit429IsAnErrorNotAnExhaustion() throws {
    let (events, _) = try parseFixture("claude", "rate-limit-429")
    #expect(events.exhaustions.isEmpty)
    #expect(events.names == ["session_started", "error", "usage", "error", "result"])
    #expect(events.errors.allSatisfy { $0.hasPrefix("API Error: Request rejected (429)") })
    #expect(events.results.map(\.isError) == [true])
  }

  @Test func claudeServerErrorRetriesAreRetryingEventsWithoutExhaustion() throws {
    let (events, _) = try parseFixture("claude", "server-error")
    #expect(
      events.names == [
        "session_started", "retrying", "retrying", "error", "usage", "error", "result",
      ])
    #expect(events.retries.map(\.attempt) == [1, 2])
    #expect(events.retries.map(\.maxAttempts) == [2, 2])
    #expect(events.retries.allSatisfy { $0.message.contains("server_error") && $0.message.contains("500") })
    #expect(events.exhaustions.isEmpty)
    #expect(events.results.map(\.isError) == [true])
  }

  @Test func claudeOverloadedRetriesAreRetryingEventsWithoutExhaustion() throws {
    let (events, _) = try parseFixture("claude", "overloaded")
    #expect(events.retries.map(\.attempt) == [1, 2])
    #expect(events.retries.allSatisfy { $0.message.contains("overloaded") && $0.message.contains("529") })
    #expect(events.exhaustions.isEmpty)
    #expect(events.errors.first?.hasPrefix("API Error: 529 Overloaded") == true)
    #expect(events.results.map(\.isError) == [true])
  }

  @Test func claudeAuthErrorIsAFailedResultWithoutExhaustion() throws {
    let (events, _) = try parseFixture("claude", "auth-error")
    #expect(events.exhaustions.isEmpty)
    #expect(events.errors.first == "Invalid API key · Fix external API key")
    #expect(events.results.map(\.isError) == [true])
  }

  @Test func claudeResumeOfAnUnknownSessionIsAFailedResultNamingTheError() throws {
    let (events, meta) = try parseFixture("claude", "resume-not-found")
    #expect(events.names == ["session_started", "usage", "error", "result"])
    #expect(events.sessionIDs == [try #require(meta.sessionID)])
    #expect(events.errors == ["No conversation found with session ID: 00000000-0000-4000-8000-000000000000"])
    #expect(events.results.first?.isError == true)
    #expect(events.exhaustions.isEmpty)
  }

  @Test func claudeStderrMergedIntoTheLogIsKeptAsRaw() throws {
    let fixture = try Fixture("claude", "resume-not-found")
    let stderr = try String(
      contentsOf: fixturesDirectory.appendingPathComponent("claude/resume-not-found.stderr.txt"),
      encoding: .utf8)
    let events = try parse(
      "claude", fixture.bytes + Array(stderr.utf8), context: context("claude", now: fixture.meta.now))
    #expect(events.raws == ["No conversation found with session ID: 00000000-0000-4000-8000-000000000000"])
  }

  @Test func claudeEventOffsetsPointAtTheirLines() throws {
    let fixture = try Fixture("claude", "tool-use")
    let events = try parse("claude", fixture: fixture)
    for event in events {
      let start = Int(event.offset)
      #expect(start == 0 || fixture.bytes[start - 1] == UInt8(ascii: "\n"))
      #expect(fixture.bytes[start] == UInt8(ascii: "{"))
    }
  }
}
