import Foundation
import ProviderKit
import Testing

@testable import Providers

/// `cursor-stream-json` against documented transcripts (Fixtures/cursor).
@Suite struct CursorParserTests {
  @Test func cursorToolCallsBecomeToolUseAndResult() throws {
    let (events, meta) = try parseFixture("cursor", "tool-use")
    #expect(
      events.names == [
        "session_started", "tool_use", "tool_result", "tool_use", "tool_result", "assistant_text", "result",
      ])
    #expect(events.sessionIDs == [try #require(meta.sessionID)])
    #expect(events.toolUses.map(\.name) == ["read", "shell"])
    #expect(events.toolUses.map(\.id) == ["t1", "t2"])
    #expect(events.toolUses.first?.input == #"{"path":"a.ts"}"#)
    #expect(events.toolResults.map(\.output) == ["export const a = 1;\n", "npm: not found"])
    #expect(events.toolResults.map(\.isError) == [false, true])
    #expect(events.texts == ["Findings: a.ts exports a = 1."])
    #expect(events.results.map(\.isError) == [false])
    #expect(events.usages.isEmpty)
  }

  @Test func cursorOutOfUsageOnStderrIsOneExhaustion() throws {
    let (events, _) = try parseFixture("cursor", "out-of-usage")
    #expect(events.names == ["session_started", "raw", "exhausted", "error"])
    #expect(events.exhaustions.count == 1)
    #expect(events.exhaustions.first?.resetAt == nil)
    #expect(events.errors == ["quota exceeded for this workspace"])
  }
}
