import Foundation
import ProviderKit

/// Reads one agent's output log (`<home>/agents/<id>/output.log`) from its start: as normalized
/// events re-parsed with the provider's parser, or as the raw bytes. Each call returns what was
/// appended since the previous one, so polling it follows the log as it grows.
///
/// An agent that continued on another provider has a log in segments, one per provider, each
/// parsed with its own provider's parser (the `provider_switched` events say where each starts).
///
/// Reading never changes the agent: the supervisor's own parse offset is left alone.
public struct AgentLogReader {
  /// Where one provider's output starts in the log.
  struct Segment: Equatable {
    var start: Int64
    var provider: String
  }

  /// The log file.
  public let path: String
  private var follower: OutputFollower
  private var rawOffset: Int64 = 0
  private var segments: [Segment]
  private var segment = 0
  /// The segments as stored now (asked again while the last one is open, to see a switch).
  private let currentSegments: () -> [Segment]
  private let makeParser: (String) -> any OutputParser
  /// Where ``events(final:)`` stops reading (nil: the log's end). It may fall inside a line: that
  /// line waits, unparsed, for a later call with a higher limit.
  public var readLimit: Int64?

  /// Where parsing resumes: the start of the first line not parsed yet. Every event parsed so far
  /// came from a line before it.
  public var parsedOffset: Int64 { follower.committedOffset }

  init(
    path: String, segments: @escaping () -> [Segment],
    parser makeParser: @escaping (String) -> any OutputParser
  ) {
    self.path = path
    self.currentSegments = segments
    self.makeParser = makeParser
    self.segments = segments()
    follower = OutputFollower(path: path, offset: 0, parser: makeParser(self.segments.first?.provider ?? ""))
  }

  /// The events of the complete lines appended since the last call. With `final`, a last line
  /// without a newline is parsed too (call it once the agent has settled).
  public mutating func events(final: Bool = false) -> [AgentEvent] {
    var events: [AgentEvent] = []
    if segment == segments.count - 1 {
      let now = currentSegments()
      if now.count > segments.count { segments = now }
    }
    while true {
      let end = segment + 1 < segments.count ? segments[segment + 1].start : nil
      follower.limit = [end, readLimit].compactMap { $0 }.min()
      events += follower.poll(final: final && end == nil && readLimit == nil)
      guard let end, follower.committedOffset >= end else { return events }
      segment += 1
      follower = OutputFollower(path: path, offset: end, parser: makeParser(segments[segment].provider))
    }
  }

  /// Moves the reader to `offset`, the start of a line (a ``parsedOffset`` or an event's `offset`):
  /// the next calls parse and read from there, with the parser of the provider whose part of the
  /// log holds it.
  public mutating func skip(to offset: Int64) {
    segment = segments.lastIndex { $0.start <= offset } ?? 0
    follower = OutputFollower(path: path, offset: offset, parser: makeParser(segments[segment].provider))
    rawOffset = offset
  }

  /// The raw bytes appended since the last call (at most `limit` at a time).
  public mutating func rawBytes(limit: Int = 1 << 20) -> [UInt8] {
    guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
    defer { try? handle.close() }
    do {
      try handle.seek(toOffset: UInt64(rawOffset))
      guard let chunk = try handle.read(upToCount: limit), !chunk.isEmpty else { return [] }
      rawOffset += Int64(chunk.count)
      return Array(chunk)
    } catch {
      return []
    }
  }
}

extension AgentManager {
  /// A reader of the agent's output log from its first byte, parsing each provider's part with that
  /// provider's parser (as plain text when the provider is no longer defined).
  public func logReader(for record: AgentRecord) -> AgentLogReader {
    let (registry, store, id) = (self.registry, self.store, record.id)
    let switches = ProviderSwitches(provider: record.provider)
    return AgentLogReader(
      path: paths(record).outputLog,
      segments: {
        switches.segments { afterID in (try? store.events(agentID: id, afterID: afterID)) ?? [] }
      },
      parser: { name in
        (try? registry.provider(named: name))?.makeParser(context: ParserContext()) ?? PlainTextParser()
      })
  }
}

/// The segments of one agent's log as its `provider_switched` events tell them, read
/// incrementally: each ask reads only the events recorded since the last one (a follower asks on
/// every poll, and a long-running agent has thousands of events).
private final class ProviderSwitches {
  private let provider: String
  private var switches: [StoredEvent] = []
  private var lastEventID: Int64 = 0

  init(provider: String) { self.provider = provider }

  func segments(newEvents: (_ afterID: Int64) -> [StoredEvent]) -> [AgentLogReader.Segment] {
    let events = newEvents(lastEventID)
    lastEventID = events.last?.id ?? lastEventID
    switches += events.filter { $0.type == .providerSwitched }
    let first = switches.first?.data?["from"]?.stringValue ?? provider
    return [AgentLogReader.Segment(start: 0, provider: first)]
      + switches.compactMap { event in
        guard let to = event.data?["to"]?.stringValue, let offset = event.data?["log_offset"]?.doubleValue
        else { return nil }
        return AgentLogReader.Segment(start: Int64(offset), provider: to)
      }
  }
}
