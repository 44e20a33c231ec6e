import Foundation
import ProviderKit

/// Reads one agent's output log (`<home>/agents/<id>/output.log`) from its start: as normalized
/// events re-parsed with the provider's parser, or as the raw bytes. Each call returns what was
/// appended since the previous one, so polling it follows the log as it grows.
///
/// Reading never changes the agent: the supervisor's own parse offset is left alone.
public struct AgentLogReader {
  /// The log file.
  public let path: String
  private var follower: OutputFollower
  private var rawOffset: Int64 = 0

  init(path: String, parser: any OutputParser) {
    self.path = path
    follower = OutputFollower(path: path, offset: 0, parser: parser)
  }

  /// The events of the complete lines appended since the last call. With `final`, a last line
  /// without a newline is parsed too (call it once the agent has settled).
  public mutating func events(final: Bool = false) -> [AgentEvent] {
    follower.poll(final: final)
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
  /// A reader of the agent's output log from its first byte, parsing with the agent's provider's
  /// parser (or as plain text when the provider is no longer defined).
  public func logReader(for record: AgentRecord) -> AgentLogReader {
    let parser: any OutputParser =
      (try? registry.provider(named: record.provider))?.makeParser(context: ParserContext())
      ?? PlainTextParser()
    return AgentLogReader(path: paths(record).outputLog, parser: parser)
  }
}
