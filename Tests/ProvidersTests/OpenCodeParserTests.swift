import Foundation
import ProviderKit
import Testing

@testable import Providers

/// `opencode-json` against documented transcripts (Fixtures/opencode).
@Suite struct OpenCodeParserTests {
  @Test func openCodeToolUseYieldsToolsUsageAndResult() throws {
    let (events, meta) = try parseFixture("opencode", "tool-use")
    #expect(
      events.names == [
        "session_started", "assistant_text", "tool_use", "tool_result", "tool_use", "tool_result", "usage",
        "assistant_text", "usage", "result",
      ])
    #expect(events.sessionIDs == [try #require(meta.sessionID)])
    #expect(events.toolUses.map(\.name) == ["bash", "read"])
    #expect(events.toolUses.first?.input == #"{"command":"ls","description":"List files"}"#)
    #expect(events.toolResults.map(\.isError) == [false, true])
    #expect(events.toolResults.last?.output == "File not found: /repo/missing.txt")
    #expect(
      events.usages.first
        == Usage(inputTokens: 30500, outputTokens: 33, cachedInputTokens: 300, costUSD: 0.052))
    #expect(events.results.first?.text == "There is one file: README.md.")
    #expect(events.results.first?.isError == false)
  }

  @Test func openCodeInsufficientBalanceIsExhaustionWithoutReset() throws {
    let (events, _) = try parseFixture("opencode", "insufficient-balance")
    #expect(events.names == ["session_started", "error", "exhausted", "result"])
    #expect(events.exhaustions.first?.resetAt == nil)
    #expect(events.errors.first?.hasPrefix("APIError: Insufficient balance.") == true)
    #expect(events.results.first?.isError == true)
  }

  @Test func openCodeServerErrorsAreNotExhaustion() throws {
    let (events, _) = try parseFixture("opencode", "server-error")
    #expect(events.errors == ["APIError: Overloaded", "APIError: Internal server error"])
    #expect(events.exhaustions.isEmpty)
  }
}
