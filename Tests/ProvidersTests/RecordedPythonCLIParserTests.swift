import Foundation
import ProviderKit
import Testing

@testable import Providers

/// The `kimi-stream-json`, `vibe-streaming` and `openhands-json` dialects against output recorded
/// from the real kimi-cli 1.51.0, mistral-vibe 3.0.3 and openhands 1.16.0 (stdout, then stderr, as
/// the agent's output log holds them).
@Suite struct RecordedPythonCLIParserTests {
  @Test func kimiHelloNamesTheSessionFromItsResumeHint() throws {
    let (events, _) = try parseFixture("kimi", "hello")
    #expect(events.texts == ["Hello from fake model (turn 1)."])
    #expect(events.sessionIDs == ["11111111-2222-4333-8444-555555555555"])
    #expect(events.errors.isEmpty)
  }

  @Test func kimiShellCallAndItsResult() throws {
    let (events, _) = try parseFixture("kimi", "tool-call")
    #expect(events.toolUses.map(\.name) == ["Shell"])
    #expect(events.toolUses.first?.input.contains("touch made-by-kimi") == true)
    #expect(events.toolResults.first?.output.contains("hi-from-tool") == true)
    #expect(events.texts == ["Running.", "Tool done."])
  }

  @Test func kimi402IsAnExhaustionWithoutAResetTime() throws {
    let (events, meta) = try parseFixture("kimi", "quota-402")
    #expect(meta.exitCode == 1)
    #expect(events.errors.first?.hasPrefix("Error code: 402 - ") == true)
    #expect(events.exhaustions.count == 1)
    #expect(events.exhaustions.first?.resetAt == nil)
  }

  @Test func kimi429IsAnErrorButNoExhaustion() throws {
    let (events, meta) = try parseFixture("kimi", "rate-limit-429")
    #expect(meta.exitCode == 75)
    #expect(events.errors.first?.hasPrefix("Error code: 429 - ") == true)
    #expect(events.exhaustions.isEmpty)
  }

  @Test func vibeHelloCarriesTheSessionIDOnEveryLine() throws {
    let (events, _) = try parseFixture("vibe", "hello")
    #expect(events.names == ["session_started", "assistant_text"])
    #expect(events.sessionIDs == ["c19d789c-1adc-f33d-c860-fb2c37c3512f"])
    #expect(events.texts == ["Hello from fake model (turn 1)."])
  }

  @Test func vibeEffectIsAToolUseAndItsResult() throws {
    let (events, _) = try parseFixture("vibe", "tool-call")
    #expect(
      events.names == ["session_started", "assistant_text", "tool_use", "tool_result", "assistant_text"])
    #expect(events.toolUses.first?.name == "file_system.bash")
    #expect(events.toolUses.first?.input == #"{"command":"touch made-by-vibe && echo hi-from-tool"}"#)
    #expect(events.toolResults.first?.output == "hi-from-tool\n")
    #expect(events.toolResults.first?.isError == false)
  }

  @Test func vibe402OnStderrIsAnExhaustion() throws {
    let (events, meta) = try parseFixture("vibe", "quota-402")
    #expect(meta.exitCode == 2)
    #expect(events.errors.first?.hasPrefix("Error: Client error '402 Payment Required'") == true)
    #expect(events.exhaustions.count == 1)
  }

  @Test func vibe429IsAnErrorButNoExhaustion() throws {
    let (events, _) = try parseFixture("vibe", "rate-limit-429")
    #expect(events.errors.first?.hasPrefix("Error: Client error '429 Too Many Requests'") == true)
    #expect(events.exhaustions.isEmpty)
  }

  @Test func openHandsHelloSkipsRichTextAndReadsTheConversationID() throws {
    let (events, _) = try parseFixture("openhands", "hello")
    #expect(events.texts == ["Hello from fake model (turn 1)."])
    #expect(events.sessionIDs == ["e1939a6531914dc7bb09e33772f639b3"])
    #expect(events.errors.isEmpty)
    #expect(events.raws.contains { $0.contains("Agent is working") })
  }

  @Test func openHandsActionAndObservationAreAToolCallAndItsResult() throws {
    let (events, _) = try parseFixture("openhands", "tool-call")
    #expect(events.toolUses.map(\.name) == ["terminal"])
    #expect(events.toolUses.first?.input.contains("touch made-by-oh") == true)
    #expect(events.toolResults.first?.output == "hi-from-tool")
    #expect(events.toolResults.first?.id == events.toolUses.first?.id)
    #expect(events.texts == ["Running.", "Tool done."])
    #expect(events.sessionIDs == ["cccccccc000040008000000000000001"])
  }

  @Test func openHandsQuotaErrorEventIsAnExhaustionThoughItExitsZero() throws {
    let (events, meta) = try parseFixture("openhands", "quota-402")
    #expect(meta.exitCode == 0)
    #expect(events.errors.first?.hasPrefix("APIError: litellm.APIError") == true)
    #expect(events.exhaustions.count == 1)
  }

  @Test func openHandsRetried429EndsInAnAnswer() throws {
    let (events, _) = try parseFixture("openhands", "rate-limit-429")
    #expect(events.texts == ["after the 429"])
    #expect(events.errors.isEmpty)
    #expect(events.exhaustions.isEmpty)
  }

  @Test func pinnedOpenHandsIDsAre32HexDigits() throws {
    let provider = CatalogProvider(
      definition: try definition("openhands"), parserFactory: { _ in PlainTextParser() })
    let id = try #require(provider.newPinnedSessionID())
    #expect(id.count == 32)
    #expect(id.allSatisfy { $0.isHexDigit })
    let command = try provider.spawnCommand(
      for: CommandRequest(prompt: "hi", workingDirectory: "/tmp"), sessionID: id)
    #expect(command.arguments.suffix(4) == ["--resume", id, "-t", "hi"])
  }
}
