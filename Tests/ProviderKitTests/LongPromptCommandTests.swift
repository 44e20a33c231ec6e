import Foundation
import ProviderKit
import Providers
import Testing

/// A prompt over ``LongPromptDelivery/argumentLimit`` bytes never goes into argv: it goes on stdin
/// the provider's way (claude: no prompt argument; codex: `-`), or is refused with `promptTooLong`.
@Suite struct LongPromptCommandTests {
  static let pinned = "6a1c0c1e-1111-4222-8333-944455556666"
  static let long = String(repeating: "x", count: LongPromptDelivery.argumentLimit + 1)

  static func provider(_ name: String, user: String? = nil) throws -> any AgentProvider {
    let catalog = try ProviderCatalog.pendingDefinitions(
      builtin: BuiltinProviders.catalogJSON, user: user.map { (Array($0.utf8), "/u/providers.json") })
    return try ProviderRegistry(catalog: catalog, dialects: BuiltinDialects.all).provider(named: name)
  }

  static func spawn(_ provider: any AgentProvider, _ prompt: String) throws -> CommandSpec {
    try provider.spawnCommand(for: CommandRequest(prompt: prompt, workingDirectory: "/w"), sessionID: pinned)
  }

  static func resume(_ provider: any AgentProvider, _ prompt: String) throws -> CommandSpec {
    try provider.resumeCommand(for: CommandRequest(prompt: prompt, workingDirectory: "/w"), sessionID: "S")
  }

  @Test func claudeLiveTakesAnyPromptOnItsChannel() throws {
    let claude = try Self.provider("claude")
    let spawn = try Self.spawn(claude, Self.long)
    #expect(spawn.standardInput == .live(.claudeStreamJSON, prompt: Self.long))
    #expect(spawn.arguments.allSatisfy { $0.utf8.count < 100 })
    #expect(spawn.argv == (try Self.spawn(claude, "short").argv))
  }

  @Test func claudeLeavesALongPromptOutOfArgvAndReadsItOnStdin() throws {
    // Without its live channel, claude reads a long prompt from stdin.
    let claude = try Self.provider("claude", user: #"{"providers":{"claude":{"liveInput":null}}}"#)
    let short = try Self.spawn(claude, "short")
    let spawn = try Self.spawn(claude, Self.long)
    #expect(spawn.argv == Array(short.argv.dropLast()))
    #expect(spawn.standardInput == .text(Self.long))
    let resume = try Self.resume(claude, Self.long)
    #expect(resume.argv == Array(try Self.resume(claude, "short").argv.dropLast()))
    #expect(resume.argv.suffix(2) == ["--resume", "S"])
    #expect(resume.standardInput == .text(Self.long))
  }

  @Test func codexPutsADashInPlaceOfALongPromptAndReadsItOnStdin() throws {
    let codex = try Self.provider("codex")
    let spawn = try Self.spawn(codex, Self.long)
    #expect(spawn.argv == Array(try Self.spawn(codex, "short").argv.dropLast()) + ["-"])
    #expect(spawn.standardInput == .text(Self.long))
    let resume = try Self.resume(codex, Self.long)
    #expect(resume.argv.suffix(3) == ["resume", "S", "-"])
    #expect(resume.standardInput == .text(Self.long))
  }

  @Test func aPromptAtTheLimitStaysAnArgument() throws {
    let prompt = String(repeating: "é", count: LongPromptDelivery.argumentLimit / 2)
    #expect(prompt.utf8.count == LongPromptDelivery.argumentLimit)
    let spawn = try Self.spawn(try Self.provider("codex"), prompt)
    #expect(spawn.argv.last == prompt)
    #expect(spawn.standardInput == .null)
  }

  @Test func aProviderWithoutALongPromptWayRefusesIt() throws {
    for name in ["gemini", "cursor", "opencode", "copilot"] {
      let provider = try Self.provider(name)
      let error = #expect(throws: ProviderError.self) { try Self.spawn(provider, Self.long) }
      #expect(error?.code == .promptTooLong)
      #expect(error?.message.contains("\(Self.long.utf8.count) bytes") == true, "\(error?.message ?? "")")
      #expect(error?.message.contains("\(LongPromptDelivery.argumentLimit) bytes") == true)
      #expect(error?.message.contains("\(name) takes its prompt only as an argument") == true)
      let resumeError = #expect(throws: ProviderError.self) { try Self.resume(provider, Self.long) }
      #expect(resumeError?.code == .promptTooLong)
    }
  }

  @Test func aStdinProviderTakesAnyPrompt() throws {
    let spawn = try Self.spawn(try Self.provider("amp"), Self.long)
    #expect(spawn.standardInput == .text(Self.long))
    #expect(spawn.arguments.allSatisfy { $0.utf8.count < 100 })
  }

  @Test func theUserCatalogSetsOrRemovesTheWay() throws {
    let removed = try Self.provider(
      "claude", user: #"{"providers":{"claude":{"longPrompt":null,"liveInput":null}}}"#)
    #expect(removed.definition.longPrompt == nil)
    #expect(throws: ProviderError.self) { try Self.spawn(removed, Self.long) }

    // A flag prompt goes with its flag unless an argument stands in for it.
    let flagged = try Self.provider(
      "gemini", user: #"{"providers":{"gemini":{"longPrompt":{"mode":"stdin"}}}}"#)
    let omitted = try Self.spawn(flagged, Self.long)
    #expect(!omitted.arguments.contains("-p"))
    #expect(omitted.standardInput == .text(Self.long))
    let empty = try Self.provider(
      "gemini", user: #"{"providers":{"gemini":{"longPrompt":{"mode":"stdin","argument":""}}}}"#)
    #expect(try Self.spawn(empty, Self.long).arguments.suffix(2) == ["-p", ""])
  }

  @Test func anUnknownModeNamesTheField() {
    let error = #expect(throws: CatalogError.self) {
      try Self.provider("claude", user: #"{"providers":{"claude":{"longPrompt":{"mode":"file"}}}}"#)
    }
    #expect(error?.field == "longPrompt.mode")
    #expect(error?.message.contains("expected stdin") == true)
  }

  @Test func theWayRoundTripsThroughJSON() throws {
    for way in [LongPromptDelivery.stdin(argument: nil), .stdin(argument: "-")] {
      let data = try JSONEncoder().encode(way)
      #expect(try JSONDecoder().decode(LongPromptDelivery.self, from: data) == way)
    }
    #expect(
      String(decoding: try JSONEncoder().encode(LongPromptDelivery.stdin(argument: nil)), as: UTF8.self)
        == #"{"mode":"stdin"}"#)
  }
}
