import Foundation
import ProviderKit
import Testing

@testable import Providers

/// `gemini-stream-json` against documented transcripts (Fixtures/gemini).
@Suite struct GeminiParserTests {
  @Test func geminiToolUseYieldsSessionDeltasToolsUsageAndReply() throws {
    let (events, meta) = try parseFixture("gemini", "tool-use")
    #expect(events.sessionIDs == [try #require(meta.sessionID)])
    #expect(events.texts == ["Listing ", "files.", "There is one file: ", "README.md."])
    #expect(events.toolUses.map(\.id) == ["call_1", "call_2"])
    #expect(events.toolUses.first?.name == "run_shell_command")
    #expect(events.toolUses.first?.input == #"{"command":"ls"}"#)
    #expect(events.toolResults.map(\.output) == ["README.md\n", "File not found: /repo/missing.txt"])
    #expect(events.toolResults.map(\.isError) == [false, true])
    #expect(events.usages == [Usage(inputTokens: 10364, outputTokens: 33, cachedInputTokens: 120)])
    // The result carries the reply after the last tool call, not the earlier chunks.
    #expect(events.results.map(\.text) == ["There is one file: README.md."])
    #expect(events.results.map(\.isError) == [false])
    #expect(events.exhaustions.isEmpty)
  }

  @Test func geminiTerminalQuotaErrorIsExhaustionWithTheDurationReset() throws {
    let (events, meta) = try parseFixture("gemini", "quota")
    #expect(events.names == ["session_started", "usage", "error", "exhausted", "result"])
    #expect(events.exhaustions.first?.resetAt == meta.resetAt)
    #expect(
      events.exhaustions.first?.message.hasPrefix("TerminalQuotaError: You have exhausted your capacity")
        == true)
    #expect(events.results.map(\.isError) == [true])
  }

  @Test func geminiPerMinuteQuotaServerErrorsAndOverloadAreNotExhaustion() throws {
    let (events, _) = try parseFixture("gemini", "transient-errors")
    #expect(events.errors.count == 3)
    #expect(events.exhaustions.isEmpty)
    #expect(events.results.map(\.isError) == [false])
    #expect(events.results.first?.text == "Hello!")
  }

  @Test func geminiSingleJSONOutputIsReadToo() throws {
    let line = #"{"session_id":"s-1","response":"Hi there.","stats":{"input_tokens":5,"output_tokens":2}}"#
    let events = try parse("gemini", line, context: context("gemini", now: Date()))
    #expect(events.names == ["session_started", "usage", "result"])
    #expect(events.results.first?.text == "Hi there.")
  }
}
