import Foundation
import ProviderKit
import Testing

@testable import Providers

/// `copilot-json` against documented transcripts (Fixtures/copilot).
@Suite struct CopilotParserTests {
  @Test func copilotSessionIDComesFromTheResultLine() throws {
    let (events, meta) = try parseFixture("copilot", "tool-use")
    #expect(events.sessionIDs == [try #require(meta.sessionID)])
    #expect(events.names.suffix(2) == ["session_started", "result"])
  }

  @Test func copilotToolExecutionsBecomeToolUseAndResult() throws {
    let (events, _) = try parseFixture("copilot", "tool-use")
    #expect(events.texts == ["Listing files.", "There is one file: README.md."])
    #expect(events.toolUses.map(\.id) == ["tc_1", "tc_2"])
    #expect(events.toolUses.first?.name == "bash")
    #expect(events.toolUses.first?.input == #"{"command":"ls"}"#)
    #expect(events.toolResults.map(\.output) == ["README.md\n", "Path does not exist"])
    #expect(events.toolResults.map(\.isError) == [false, true])
    #expect(events.usages.map(\.outputTokens) == [12, 9])
    #expect(events.results.first?.text == "There is one file: README.md.")
    #expect(events.results.first?.isError == false)
  }

  @Test func copilotQuotaErrorIsExhaustionAndPersistenceErrorsAreIgnored() throws {
    let (events, _) = try parseFixture("copilot", "quota")
    #expect(events.names == ["error", "exhausted", "session_started", "result"])
    #expect(events.exhaustions.first?.resetAt == nil)
    #expect(events.exhaustions.first?.message.hasPrefix("You have exceeded your monthly quota") == true)
    #expect(events.results.first?.isError == true)
  }

  @Test func copilotServerAndRateLimitErrorsAreNotExhaustion() throws {
    let (events, _) = try parseFixture("copilot", "server-error")
    #expect(events.errors.count == 2)
    #expect(events.exhaustions.isEmpty)
  }
}
