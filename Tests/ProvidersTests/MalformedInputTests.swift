import Foundation
import ProviderKit
import Testing

@testable import Providers

/// No input makes a parser crash; what a JSON dialect cannot read is kept as `raw`.
@Suite struct MalformedInputTests {
  /// Every built-in JSON dialect (plain-text and Auggie treat text as assistant text).
  static let jsonDialects = [
    "claude-stream-json", "cursor-stream-json", "codex-exec-json", "gemini-stream-json", "opencode-json",
    "copilot-json", "droid-stream-json", "kimi-stream-json",
  ]
  static let allDialects = jsonDialects + ["auggie-json", "plain-text"]

  func parser(_ dialect: String) throws -> any OutputParser {
    // The rules of the provider named like the dialect (claude for claude-stream-json, not amp).
    let provider = String(dialect.prefix { $0 != "-" })
    let rules = try BuiltinProviders.definitions().first { $0.name == provider }?.exhaustion ?? []
    let factory = try #require(BuiltinDialects.all[dialect])
    return factory(ParserContext(now: { Date(timeIntervalSince1970: 1_795_290_677) }, exhaustionRules: rules))
  }

  func events(_ dialect: String, _ line: [UInt8], offset: Int64 = 42) throws -> [AgentEvent] {
    var parser = try parser(dialect)
    return parser.parse(line: line[...], offset: offset)
  }

  @Test(arguments: jsonDialects + ["auggie-json"])
  func truncatedJSONIsKeptAsRaw(dialect: String) throws {
    let line = #"{"type":"assistant","message":{"content":[{"type":"text","text":"hel"#
    let result = try events(dialect, Array(line.utf8))
    #expect(result.first?.kind == .raw(line))
    #expect(result.allSatisfy { $0.offset == 42 })
  }

  @Test(arguments: jsonDialects + ["auggie-json"])
  func invalidUTF8IsKeptAsRawWithReplacementCharacters(dialect: String) throws {
    let line: [UInt8] = Array(#"{"type":"result","result":""#.utf8) + [0xFF, 0xFE, 0xC3] + Array(#""}"#.utf8)
    let result = try events(dialect, line)
    #expect(result.map(\.kind.name) == ["raw"])
    #expect(result.raws.first?.contains("\u{FFFD}") == true)
  }

  @Test(arguments: jsonDialects)
  func binaryGarbageIsKeptAsRaw(dialect: String) throws {
    var generator = SystemRandomNumberGenerator()
    var line = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
    line.removeAll { $0 == UInt8(ascii: "\n") }
    line[0] = 0x01
    let result = try events(dialect, line)
    #expect(result.first?.kind.name == "raw")
    #expect(result.raws.first?.isEmpty == false)
  }

  @Test(arguments: allDialects)
  func emptyAndBlankLinesYieldNothing(dialect: String) throws {
    #expect(try events(dialect, []).isEmpty)
    if dialect != "plain-text" { #expect(try events(dialect, Array("  \t\r".utf8)).isEmpty) }
  }

  @Test(arguments: jsonDialects + ["auggie-json"])
  func jsonArrayLineIsKeptAsRaw(dialect: String) throws {
    #expect(
      try events(dialect, Array(#"[{"type":"result"},1,2]"#.utf8)).kinds == [
        .raw(#"[{"type":"result"},1,2]"#)
      ])
  }

  @Test(arguments: jsonDialects)
  func jsonScalarsAndTypelessObjectsAreKeptAsRaw(dialect: String) throws {
    for line in ["42", #""text""#, "null", #"{"type":123}"#, #"{"unexpected":true}"#] {
      #expect(try events(dialect, Array(line.utf8)).kinds == [.raw(line)], "\(line)")
    }
  }

  @Test(arguments: allDialects)
  func wrongFieldTypesDoNotCrash(dialect: String) throws {
    let lines = [
      #"{"type":"assistant","message":{"content":42},"session_id":7}"#,
      #"{"type":"assistant","message":"x","error":{"a":1},"api_error":"usage_limit_reached","api_error_params":[]}"#,
      #"{"type":"user","message":{"content":[{"type":"tool_result","content":{"a":[1,2]},"is_error":"no"}]}}"#,
      #"{"type":"result","is_error":"yes","usage":[1],"total_cost_usd":"free","errors":[1,{"x":null}]}"#,
      #"{"type":"rate_limit_event","rate_limit_info":{"status":"rejected","resetsAt":"tomorrow"}}"#,
      #"{"type":"rate_limit_event","rate_limit_info":{"status":"rejected","resetsAt":1e308}}"#,
      #"{"type":"system","subtype":"api_retry","attempt":"one","max_retries":-1e30}"#,
      #"{"type":"item.completed","item":"oops"}"#,
      #"{"type":"item.started","item":{"id":5,"type":"mcp_tool_call"}}"#,
      #"{"type":"turn.completed","usage":"x"}"#, #"{"type":"turn.failed","error":"boom"}"#,
      #"{"type":"error","message":{"nested":true}}"#, #"{"type":"request_user_input","questions":"?"}"#,
      #"{"type":"tool_call","subtype":"started","tool_call":[]}"#,
      #"{"type":"tool_call","subtype":"completed","tool_call":{"x":1}}"#,
      #"{"type":"tool_use","part":{"state":7}}"#, #"{"type":"step_finish","part":{"tokens":[]}}"#,
      #"{"type":"session.error","data":[]}"#, #"{"type":"result","sessionId":[],"exitCode":"1"}"#,
      #"{"type":"message","role":5}"#, #"{"role":"assistant","content":{"x":1},"tool_calls":"no"}"#,
      #"{"type":"completion","finalText":5}"#, #"{"type":"init","session_id":""}"#,
    ]
    var parser = try parser(dialect)
    for (index, line) in lines.enumerated() {
      let result = parser.parse(line: Array(line.utf8)[...], offset: Int64(index))
      #expect(result.allSatisfy { $0.offset == Int64(index) })
    }
  }

  @Test(arguments: ["claude-stream-json", "codex-exec-json", "gemini-stream-json", "opencode-json"])
  func aTwentyMegabyteLineOfTextIsKeptWhole(dialect: String) throws {
    let line = [UInt8](repeating: UInt8(ascii: "x"), count: 20 << 20)
    let result = try events(dialect, line)
    #expect(result.map(\.kind.name) == ["raw"])
    #expect(result.raws.first?.utf8.count == 20 << 20)
  }

  @Test func aTwentyMegabyteClaudeToolResultIsParsed() throws {
    let output = String(repeating: "a", count: 20 << 20)
    let line =
      #"{"type":"user","session_id":"s","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":""#
      + output + #""}]}}"#
    let result = try events("claude-stream-json", Array(line.utf8))
    #expect(result.map(\.kind.name) == ["session_started", "tool_result"])
    #expect(result.toolResults.first?.output.utf8.count == 20 << 20)
  }

  @Test func aTwentyMegabyteCodexAgentMessageIsParsed() throws {
    let text = String(repeating: "b", count: 20 << 20)
    let line =
      #"{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":""# + text + #""}}"#
    let result = try events("codex-exec-json", Array(line.utf8))
    #expect(result.texts.first?.utf8.count == 20 << 20)
  }

  @Test func everyPrefixOfRealLinesParsesWithoutCrashing() throws {
    for (provider, scenario) in [("claude", "tool-use"), ("claude", "usage-limit"), ("codex", "tool-use")] {
      let fixture = try Fixture(provider, scenario)
      let dialect = try definition(provider).dialect
      for line in fixture.bytes.split(separator: UInt8(ascii: "\n")) {
        var parser = try parser(dialect)
        for end in stride(from: line.startIndex, to: line.endIndex, by: max(1, line.count / 100)) {
          let events = parser.parse(line: line[line.startIndex..<end], offset: 0)
          #expect(end == line.startIndex || !events.isEmpty)
        }
      }
    }
  }

  @Test func aLongRawErrorLineIsMatchedAgainstTheRulesCheaply() throws {
    let line = "You've hit your 5-hour limit · resets 9:09pm (UTC) " + String(repeating: "z", count: 20 << 20)
    let result = try events("claude-stream-json", Array(line.utf8))
    #expect(result.map(\.kind.name) == ["raw", "exhausted"])
    #expect((result.exhaustions.first?.message.utf8.count ?? .max) < 10_000)
    #expect(result.exhaustions.first?.resetAt == utc(2026, 11, 21, 21, 9))
  }
}
