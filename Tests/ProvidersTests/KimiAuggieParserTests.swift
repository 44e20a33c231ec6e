import Foundation
import ProviderKit
import Testing

@testable import Providers

/// `kimi-stream-json` and `auggie-json` against documented transcripts.
@Suite struct KimiAuggieParserTests {
  @Test func kimiMessagesYieldTextToolCallsAndToolResults() throws {
    let (events, _) = try parseFixture("kimi", "tool-use")
    #expect(events.names == ["assistant_text", "tool_use", "tool_result", "assistant_text"])
    #expect(events.toolUses.first?.id == "tc_1")
    #expect(events.toolUses.first?.name == "Shell")
    #expect(events.toolUses.first?.input == #"{"command":"ls"}"#)
    #expect(events.toolResults.first?.output == "file1.py\nfile2.py")
    #expect(events.sessionIDs.isEmpty)
  }

  @Test func kimiRetryableErrorIsARetry() throws {
    let (events, _) = try parseFixture("kimi", "errors")
    #expect(events.names == ["retrying", "error"])
    #expect(events.exhaustions.isEmpty)
  }

  @Test func auggieTextLinesAreAssistantTextAndTheFinalObjectIsTheResult() throws {
    let (events, meta) = try parseFixture("auggie", "answer")
    #expect(events.names == ["assistant_text", "session_started", "result"])
    #expect(events.texts == ["Looking at the repository..."])
    #expect(events.sessionIDs == [try #require(meta.sessionID)])
    #expect(events.results.first?.text == "The repository has one file: README.md.")
    #expect(events.results.first?.isError == false)
  }

  @Test func auggieErrorObjectIsAFailedResult() throws {
    let (events, _) = try parseFixture("auggie", "error")
    #expect(events.names == ["session_started", "error", "result"])
    #expect(events.errors.first?.hasPrefix("Authentication error.") == true)
    #expect(events.results.first?.isError == true)
  }

  @Test func auggieClaudeCompatibleLinesAreReadAsSuch() throws {
    let line = #"{"type":"result","is_error":false,"result":"Done.","session_id":"s-9"}"#
    let events = try parse("auggie", line, context: context("auggie", now: Date()))
    #expect(events.names == ["session_started", "result"])
  }
}
