import Foundation
import ProviderKit
import Testing

@testable import Providers

/// Claude-compatible lines are parsed without `ClaudeCompatibleStream.unreadMembers`; reading the
/// whole objects instead must give exactly the same events, so the filter names nothing the reader
/// uses.
@Suite struct ClaudeMemberFilterTests {
  /// The events of `lines` read through the stream, with or without the member filter.
  func events(_ lines: [ArraySlice<UInt8>], provider: String, filtered: Bool) throws -> [AgentEvent] {
    var stream = ClaudeCompatibleStream(
      context: try context(provider, now: Date(timeIntervalSince1970: 1_795_290_677)))
    var all: [AgentEvent] = []
    for (index, line) in lines.enumerated() {
      var events = EventList(offset: Int64(index))
      let read =
        filtered
        ? DialectLine.read(line, skipping: ClaudeCompatibleStream.unreadMembers) : DialectLine.read(line)
      switch read {
      case .blank: continue
      case .object(let object):
        if !stream.handle(object, into: &events, filteredFrom: filtered ? line : nil) {
          events.append(.raw(DialectLine.text(of: line)))
        }
      case .unreadable: stream.exhaustion.unreadableLine(line, into: &events)
      }
      all += events.events
    }
    return all
  }

  @Test(arguments: ["claude", "amp", "qwen"])
  func filteredAndWholeObjectsGiveTheSameEvents(provider: String) throws {
    let directory = fixturesDirectory.appendingPathComponent(provider)
    let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
      $0.hasSuffix(".jsonl")
    }
    #expect(!names.isEmpty)
    for name in names {
      let bytes = Array(try Data(contentsOf: directory.appendingPathComponent(name)))
      let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
      let filtered = try events(lines, provider: provider, filtered: true)
      #expect(filtered == (try events(lines, provider: provider, filtered: false)), "\(provider)/\(name)")
      #expect(!filtered.isEmpty)
    }
  }

  @Test func filterLeavesOutWhatTheReaderSkips() throws {
    let line = Array(
      #"{"type":"user","uuid":"u","tool_use_result":{"stdout":"x"},"message":{"role":"user","id":"m","content":[]},"session_id":"s"}"#
        .utf8)
    guard
      case .object(let object) = DialectLine.read(line[...], skipping: ClaudeCompatibleStream.unreadMembers)
    else {
      Issue.record("not read")
      return
    }
    #expect(object.keys == ["type", "message", "session_id"])
    #expect(object.object("message")?.keys == ["content"])
  }
}
