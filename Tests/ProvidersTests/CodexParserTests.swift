import Foundation
import ProviderKit
import Testing

@testable import Providers

/// `codex-exec-json` behaviour beyond the recorded transcripts (documented event shapes).
@Suite struct CodexParserTests {
  let now = utc(2026, 11, 21, 19, 51, 17)

  func events(_ lines: String, zone: String = "UTC") throws -> [AgentEvent] {
    try parse("codex", lines, context: context("codex", now: now, timeZone: TimeZone(identifier: zone)!))
  }

  @Test func codexRequestUserInputBecomesPendingQuestions() throws {
    let line = #"""
      {"type":"request_user_input","id":"req_1","call_id":"call_1","questions":[{"id":"scope","header":"Scope","question":"Fix only the test, or the code too?","isOther":true,"isSecret":false,"options":[{"label":"Only the test","description":"minimal"},{"label":"The code too","description":"broader"}]},{"header":"Style","question":"Keep the old style?","options":[]}]}
      """#
    let questions = try #require(try events(line).questions.first)
    #expect(questions.map(\.id) == ["scope", "q2"])
    #expect(questions.first?.options == ["Only the test", "The code too"])
    #expect(questions.first?.header == "Scope")
    #expect(questions.last?.question == "Keep the old style?")
  }

  @Test func codexItemsOfEveryToolKindBecomeToolUseAndResult() throws {
    let lines = """
      {"type":"item.completed","item":{"id":"item_1","type":"file_change","changes":[{"path":"a.txt","kind":"add"},{"path":"b.txt","kind":"update"}],"status":"completed"}}
      {"type":"item.started","item":{"id":"item_2","type":"mcp_tool_call","server":"docs","tool":"search","arguments":{"q":"swift"},"status":"in_progress"}}
      {"type":"item.completed","item":{"id":"item_2","type":"mcp_tool_call","server":"docs","tool":"search","arguments":{"q":"swift"},"error":{"message":"server unavailable"},"status":"failed"}}
      {"type":"item.started","item":{"id":"item_3","type":"command_execution","command":"false","aggregated_output":"","exit_code":null,"status":"in_progress"}}
      {"type":"item.updated","item":{"id":"item_3","type":"command_execution","command":"false","aggregated_output":"","exit_code":null,"status":"in_progress"}}
      {"type":"item.completed","item":{"id":"item_3","type":"command_execution","command":"false","aggregated_output":"","exit_code":1,"status":"failed"}}
      {"type":"item.completed","item":{"id":"item_4","type":"web_search","query":"swift testing"}}
      {"type":"item.completed","item":{"id":"item_5","type":"reasoning","text":"Thinking about it."}}
      """
    let events = try events(lines)
    #expect(
      events.names == [
        "tool_use", "tool_result", "tool_use", "tool_result", "tool_use", "tool_result", "tool_use",
        "tool_result",
      ])
    #expect(
      events.toolUses.map(\.name) == ["file_change", "mcp__docs__search", "command_execution", "web_search"])
    #expect(events.toolUses[1].input == #"{"q":"swift"}"#)
    #expect(
      events.toolResults.map(\.output) == [
        "add a.txt\nupdate b.txt", "server unavailable", "", "swift testing",
      ])
    #expect(events.toolResults.map(\.isError) == [false, true, true, false])
  }

  @Test func codexErrorItemIsANonFatalError() throws {
    let lines = """
      {"type":"turn.started"}
      {"type":"item.completed","item":{"id":"item_0","type":"error","message":"Model metadata for `gpt-fake` not found. Defaulting to fallback metadata; this can degrade performance and cause issues."}}
      {"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"Done."}}
      {"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":2,"output_tokens":3}}
      """
    let events = try events(lines)
    #expect(events.names == ["error", "assistant_text", "usage", "result"])
    #expect(events.results.first?.isError == false)
    #expect(events.usages.first == Usage(inputTokens: 10, outputTokens: 3, cachedInputTokens: 2))
  }

  @Test func codexRateLimitRetryThatRecoversEndsInSuccess() throws {
    let lines = """
      {"type":"thread.started","thread_id":"01a1ff82-da61-7863-89ac-87672a8379b6"}
      {"type":"error","message":"Reconnecting... 1/2 (rate limit exceeded: Rate limit reached for gpt-fake. Please try again in 1s.)"}
      {"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"Recovered."}}
      {"type":"turn.completed","usage":{"input_tokens":1,"cached_input_tokens":0,"output_tokens":1}}
      """
    let events = try events(lines)
    #expect(events.names == ["session_started", "retrying", "assistant_text", "usage", "result"])
    #expect(events.retries.first?.attempt == 1)
    #expect(events.retries.first?.maxAttempts == 2)
    #expect(events.results.first?.isError == false)
  }

  @Test func codexUsageLimitBodyCarriesTheResetInstant() throws {
    let lines = """
      {"type":"error","message":"unexpected status 429 Too Many Requests: {\\"error\\":{\\"type\\":\\"usage_limit_reached\\",\\"plan_type\\":\\"plus\\",\\"resets_at\\":1795302509}}"}
      {"type":"error","message":"unexpected status 429: {\\"error\\":{\\"type\\":\\"usage_limit_reached\\",\\"resets_in_seconds\\":600}}"}
      """
    let events = try events(lines)
    #expect(
      events.exhaustions.map(\.resetAt) == [
        Date(timeIntervalSince1970: 1_795_302_509), now.addingTimeInterval(600),
      ])
  }

  @Test func codexQuotaAndWorkspaceTextsAreExhaustionWithoutReset() throws {
    let lines = """
      {"type":"error","message":"Quota exceeded. Check your plan and billing details."}
      """
    #expect(try events(lines).exhaustions.map(\.resetAt) == [nil])
  }

  @Test func codexOlderRelativeResetText() throws {
    let line =
      #"{"type":"turn.failed","error":{"message":"You've hit your usage limit. Try again in 3 days 2 hours 5 minutes."}}"#
    #expect(
      try events(line).exhaustions.first?.resetAt == now.addingTimeInterval(3 * 86_400 + 2 * 3_600 + 300))
  }

  @Test func codexCapacityAndServerErrorsAreNotExhaustion() throws {
    let lines = """
      {"type":"error","message":"Selected model is at capacity. Please try a different model."}
      {"type":"error","message":"exceeded retry limit, last status: 429 Too Many Requests"}
      {"type":"error","message":"Reconnecting... 3/5 (You’ve hit your usage limit. Try again at 9:12 PM.)"}
      {"type":"turn.failed","error":{"message":"stream disconnected before completion: stream closed before response.completed"}}
      """
    let events = try events(lines)
    #expect(events.exhaustions.isEmpty)
    #expect(events.names == ["error", "error", "retrying", "error", "result"])
  }

  @Test func codexReconnectingWithoutACounterIsStillARetry() throws {
    let events = try events(#"{"type":"error","message":"Reconnecting…"}"#)
    #expect(events.kinds == [.retrying(attempt: nil, maxAttempts: nil, message: "Reconnecting…")])
  }

  @Test func codexNewThreadIDAfterResumeIsReportedAgain() throws {
    let lines = """
      {"type":"thread.started","thread_id":"aaa"}
      {"type":"thread.started","thread_id":"aaa"}
      {"type":"thread.started","thread_id":"bbb"}
      """
    #expect(try events(lines).sessionIDs == ["aaa", "bbb"])
  }
}
