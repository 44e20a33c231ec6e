import Foundation
import ProviderKit
import Testing

@testable import Providers

/// `droid-stream-json` against documented transcripts (Fixtures/droid).
@Suite struct DroidParserTests {
  @Test func droidToolUseYieldsSessionToolsAndCompletion() throws {
    let (events, meta) = try parseFixture("droid", "tool-use")
    #expect(
      events.names == [
        "session_started", "assistant_text", "tool_use", "tool_result", "assistant_text", "result",
      ])
    #expect(events.sessionIDs == [try #require(meta.sessionID)])
    #expect(events.toolUses.first?.id == "call_1")
    #expect(events.toolUses.first?.name == "Execute")
    #expect(events.toolUses.first?.input == #"{"command":"ls"}"#)
    #expect(events.toolResults.first?.output == "README.md\n")
    #expect(events.results.first?.text == "There is one file: README.md.")
    #expect(events.results.first?.isError == false)
  }

  @Test func droidWeeklyLimitResetsInTwoDays() throws {
    let (events, meta) = try parseFixture("droid", "weekly-limit")
    #expect(events.names == ["session_started", "error", "exhausted"])
    #expect(events.exhaustions.first?.resetAt == meta.resetAt)
    #expect(
      events.errors.first
        == "402 You've reached your weekly standard usage limit (resets in 2 days).\nSwitch to Droid Core or enable Extra Usage to continue."
    )
  }

  @Test func droidFiveHourLimitResetsInHoursAndMinutes() throws {
    let (events, meta) = try parseFixture("droid", "five-hour-limit")
    #expect(events.exhaustions.count == 1)
    #expect(events.exhaustions.first?.resetAt == meta.resetAt)
  }

  @Test func droidRateLimitAndOverloadAreNotExhaustion() throws {
    let (events, _) = try parseFixture("droid", "rate-limit-429")
    #expect(events.errors == ["rate_limit_exceeded (429)", "529 Overloaded"])
    #expect(events.exhaustions.isEmpty)
  }
}
