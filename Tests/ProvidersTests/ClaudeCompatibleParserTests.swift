import Foundation
import ProviderKit
import Testing

@testable import Providers

/// `claude-stream-json` behaviour beyond the recorded transcripts: Amp and Qwen, questions,
/// rate-limit statuses, legacy limit texts.
@Suite struct ClaudeCompatibleParserTests {
  let now = utc(2026, 11, 21, 19, 51, 17)

  @Test func ampThreadIDIsTheSessionAndToolCallsAreRead() throws {
    let (events, meta) = try parseFixture("amp", "tool-use")
    #expect(
      events.names == [
        "session_started", "assistant_text", "tool_use", "tool_result", "assistant_text", "usage", "result",
      ])
    #expect(events.sessionIDs == [try #require(meta.sessionID)])
    #expect(events.toolResults.first?.output == "README.md")
    #expect(events.usages.first == Usage(inputTokens: 220, outputTokens: 18, cachedInputTokens: 0))
  }

  @Test func ampOutOfCreditsIsExhaustionWithoutReset() throws {
    let (events, _) = try parseFixture("amp", "out-of-credits")
    #expect(events.names == ["session_started", "error", "exhausted", "result"])
    #expect(events.exhaustions.first?.resetAt == nil)
    #expect(events.results.first?.isError == true)
  }

  @Test func qwenQuotaTextInASuccessfulResultIsOneExhaustionAtTheUTCResetTime() throws {
    let (events, meta) = try parseFixture("qwen", "quota")
    #expect(events.names == ["session_started", "error", "exhausted", "usage", "error", "result"])
    #expect(events.exhaustions.count == 1)
    #expect(events.exhaustions.first?.resetAt == meta.resetAt)
    #expect(events.results.first?.isError == true)
    #expect(events.texts.isEmpty)
  }

  @Test func askUserQuestionToolUseBecomesPendingQuestions() throws {
    let line = #"""
      {"type":"assistant","session_id":"s1","message":{"role":"assistant","content":[{"type":"tool_use","id":"toolu_9","name":"AskUserQuestion","input":{"questions":[{"question":"Which database?","header":"DB","options":[{"label":"SQLite","description":"embedded"},{"label":"Postgres","description":"server"}],"multiSelect":false},{"question":"Add tests?","header":"Tests","options":[{"label":"Yes","description":""}],"multiSelect":false}]}}]}}
      """#
    let events = try parse("claude", line, context: context("claude", now: now))
    #expect(events.names == ["session_started", "tool_use", "question"])
    let questions = try #require(events.questions.first)
    #expect(questions.map(\.id) == ["q1", "q2"])
    #expect(
      questions.first
        == PendingQuestion(
          id: "q1", question: "Which database?", options: ["SQLite", "Postgres"], header: "DB"))
    #expect(events.toolUses.first?.name == "AskUserQuestion")
  }

  @Test func deferredAskUserQuestionInTheResultBecomesPendingQuestions() throws {
    let line = #"""
      {"type":"result","is_error":false,"terminal_reason":"completed","result":"","session_id":"s1","deferred_tool_use":{"id":"toolu_1","name":"AskUserQuestion","input":{"questions":[{"id":"color","question":"Which colour?","options":[{"label":"Red"}]}]}}}
      """#
    let events = try parse("claude", line, context: context("claude", now: now))
    #expect(events.questions.first?.map(\.id) == ["color"])
  }

  @Test func anEchoedLiveMessageIsTakenUnderItsIDAndAToolResultIsNot() throws {
    // As claude 2.1.330 prints them with --replay-user-messages: the prompt, a tool result, and a
    // message written during the tool call, echoed as it joins the turn (under the uuid written).
    let lines = #"""
      {"type":"user","message":{"role":"user","content":"first"},"session_id":"s1","parent_tool_use_id":null,"uuid":"11111111-1111-4111-8111-111111111111","timestamp":"2026-12-03T21:16:54.073Z","isReplay":true}
      {"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_1","type":"tool_result","content":"slept","is_error":false}]},"parent_tool_use_id":null,"session_id":"s1","uuid":"26fb5047","tool_use_result":{"stdout":"slept","stderr":""}}
      {"type":"user","message":{"role":"user","content":[{"type":"text","text":"second"}]},"session_id":"s1","parent_tool_use_id":null,"uuid":"22222222-2222-4222-8222-222222222222","isReplay":true}
      """#
    let events = try parse("claude", lines, context: context("claude", now: now))
    #expect(events.names == ["session_started", "message_taken", "tool_result", "message_taken"])
    let taken = events.compactMap {
      if case .messageTaken(let id, let text) = $0.kind { (id, text) } else { nil }
    }
    #expect(taken.map(\.1) == ["first", "second"])
    #expect(
      taken.map(\.0) == ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"])
    #expect(events.toolResults.map(\.output) == ["slept"])
  }

  @Test func aTakenMessageSurvivesTheEventJSONShape() throws {
    for kind in [
      AgentEvent.Kind.messageTaken(id: "11111111-1111-4111-8111-111111111111", text: "hi"),
      .messageTaken(id: nil, text: ""),
    ] {
      let event = AgentEvent(offset: 3, kind: kind)
      let data = try JSONEncoder().encode(event)
      #expect(try JSONDecoder().decode(AgentEvent.self, from: data) == event)
      #expect(String(decoding: data, as: UTF8.self).contains(#""type":"message_taken""#))
    }
  }

  @Test func allowedRateLimitStatusesAreNotExhaustion() throws {
    let lines = """
      {"type":"rate_limit_event","rate_limit_info":{"status":"allowed","resetsAt":1795302497,"rateLimitType":"five_hour"},"session_id":"s1"}
      {"type":"rate_limit_event","rate_limit_info":{"status":"allowed_warning","resetsAt":1795302497,"rateLimitType":"five_hour","utilization":0.91},"session_id":"s1"}
      """
    let events = try parse("claude", lines, context: context("claude", now: now))
    // A reading (the second line carries a utilization), never a limit.
    #expect(events.names == ["session_started", "quota"])
  }

  @Test func rejectedRateLimitEventIsExhaustionAtResetsAt() throws {
    let line =
      #"{"type":"rate_limit_event","rate_limit_info":{"status":"rejected","resetsAt":1795302497,"rateLimitType":"seven_day"}}"#
    let events = try parse("claude", line, context: context("claude", now: now))
    #expect(events.exhaustions.first?.resetAt == Date(timeIntervalSince1970: 1_795_302_497))
    #expect(events.exhaustions.first?.message.contains("seven_day") == true)
  }

  @Test func subscriberLimitTextInAnotherZoneResetsAtTheNextSuchTime() throws {
    // 19:51 UTC is 20:51 in Berlin, so "3pm" Berlin is tomorrow's.
    let line =
      #"{"type":"result","is_error":true,"api_error_status":429,"result":"You’ve hit your 5-hour limit · resets 3pm (Europe/Berlin)","session_id":"s1"}"#
    let events = try parse("claude", line, context: context("claude", now: now))
    #expect(events.exhaustions.first?.resetAt == date(2026, 11, 22, 15, 0, zone: "Europe/Berlin"))
  }

  @Test func legacyEpochLimitTextIsExhaustion() throws {
    let line =
      #"{"type":"result","is_error":true,"result":"Claude AI usage limit reached|1762952400","session_id":"s1"}"#
    let events = try parse("claude", line, context: context("claude", now: now))
    #expect(events.exhaustions.first?.resetAt == Date(timeIntervalSince1970: 1_762_952_400))
  }

  @Test func limitTextInAssistantProseIsNotExhaustion() throws {
    let lines = """
      {"type":"assistant","session_id":"s1","message":{"role":"assistant","content":[{"type":"text","text":"The CLI prints You've hit your 5-hour limit · resets 3pm (UTC) when exhausted."}]}}
      {"type":"user","session_id":"s1","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"You've hit your weekly limit · resets Nov 24, 2:43am (UTC)"}]}}
      {"type":"result","is_error":false,"terminal_reason":"completed","result":"You've hit your 5-hour limit is what it prints.","session_id":"s1"}
      """
    let events = try parse("claude", lines, context: context("claude", now: now))
    #expect(events.exhaustions.isEmpty)
    #expect(events.results.first?.isError == false)
  }

  @Test func resultSuccessIsDecidedByIsErrorAndTerminalReasonNotSubtype() throws {
    let lines = """
      {"type":"result","subtype":"success","is_error":false,"api_error_status":null,"terminal_reason":"completed","result":"ok"}
      {"type":"result","subtype":"success","is_error":false,"terminal_reason":"api_error","result":"API Error: boom"}
      {"type":"result","subtype":"success","is_error":false,"api_error_status":500,"result":"x"}
      """
    let events = try parse("claude", lines, context: context("claude", now: now))
    #expect(events.results.map(\.isError) == [false, true, true])
  }

  /// Claude's lines are parsed without the members the reader never uses (see
  /// `ClaudeCompatibleStream.unreadMembers`); an error line written out as JSON still has them all.
  @Test func errorLineWithoutMessageIsWrittenOutWhole() throws {
    let line = #"{"type":"error","uuid":"u-1","parent_tool_use_id":null,"code":7,"session_id":"s1"}"#
    let events = try parse("claude", line, context: context("claude", now: now))
    #expect(events.errors == [line])
  }

  /// Skipped members are still checked: a line that is not valid JSON stays raw.
  @Test func invalidSkippedMemberKeepsTheLineRaw() throws {
    let line = #"{"type":"user","uuid":"u-\x","message":{"role":"user","content":[]}}"#
    let events = try parse("claude", line, context: context("claude", now: now))
    #expect(events.raws == [line])
  }

  @Test func everyDialectOfTheCatalogHasAParser() throws {
    for definition in try BuiltinProviders.definitions() {
      #expect(BuiltinDialects.all[definition.dialect] != nil, "\(definition.name) uses \(definition.dialect)")
    }
    _ = try BuiltinProviders.registry()
  }
}
