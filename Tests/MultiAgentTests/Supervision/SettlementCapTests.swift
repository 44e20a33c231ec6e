import Foundation
import ProviderKit
import Testing

@testable import MultiAgent

/// Results and errors parsed from a CLI's output are capped before they reach the record (the
/// database, every `list --json`); the whole text stays in the log.
@Suite struct SettlementCapTests {
  let record = AgentRecord(id: "a1", name: "a", provider: "codex", status: .running)
  let limit = 64 * 1024

  private func folded(_ kinds: [AgentEvent.Kind]) -> AgentRecord {
    var folded = record
    Settlement.fold(
      kinds.enumerated().map { AgentEvent(offset: Int64($0.offset), kind: $0.element) }, into: &folded)
    return folded
  }

  @Test func aHugeResultIsCutWithAMarkerSayingHowMuch() throws {
    let huge = String(repeating: "x", count: 20 * 1024 * 1024)
    let result = try #require(folded([.result(text: huge, isError: false)]).result)
    let marker = "… [truncated: \(huge.utf8.count - limit) bytes]"
    #expect(result.hasSuffix(marker))
    #expect(result.utf8.count == limit + marker.utf8.count)
    #expect(huge.hasPrefix(result.dropLast(marker.count)))
  }

  @Test func hugeErrorsAreCutToo() throws {
    let huge = String(repeating: "e", count: 1024 * 1024)
    for kind: AgentEvent.Kind in [
      .result(text: huge, isError: true), .error(message: huge), .exhausted(resetAt: nil, message: huge),
    ] {
      let error = try #require(folded([kind]).error)
      #expect(error.utf8.count < limit + 100, "\(kind)")
      #expect(error.hasSuffix("… [truncated: \(huge.utf8.count - limit) bytes]"), "\(kind)")
    }
  }

  @Test func theCutFallsOnACharacterBoundary() throws {
    // "é" is two bytes and "€" three: the limit falls inside a character.
    let huge = "a" + String(repeating: "é€", count: 40 * 1024)
    let result = try #require(folded([.result(text: huge, isError: false)]).result)
    let kept = try #require(result.components(separatedBy: "… [truncated: ").first)
    #expect(kept.utf8.count <= limit && kept.utf8.count > limit - 4)
    #expect(huge.hasPrefix(kept))
    #expect(!kept.unicodeScalars.contains("\u{FFFD}"))
  }

  @Test func textWithinTheLimitIsKeptWhole() {
    let exact = String(repeating: "y", count: limit)
    #expect(folded([.result(text: exact, isError: false)]).result == exact)
    #expect(folded([.result(text: "done", isError: false)]).result == "done")
    #expect(folded([.result(text: nil, isError: true)]).error == "the run ended with an error")
  }

  @Test func aHugeSignalFileResultIsCutToo() {
    let huge = String(repeating: "s", count: 512 * 1024)
    let decision = Settlement.settle(record, exit: .exited(0), signal: .success(.done(result: huge)))
    #expect(decision.status == .completed)
    #expect(decision.result?.hasSuffix("… [truncated: \(huge.utf8.count - limit) bytes]") == true)
  }
}
