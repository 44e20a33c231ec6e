import Foundation
import ProviderKit

/// Tails an agent's output log from a byte offset, parsing each complete line exactly once.
///
/// The offset it reports (``committedOffset``) is the start of the first line not yet parsed;
/// storing it with the state the parsed lines produced makes parsing resumable after any crash.
struct OutputFollower {
  let path: String
  private var parser: any OutputParser
  private var splitter: LineSplitter
  private var readOffset: Int64
  /// The log, kept open between polls (it is append-only; a poll reads what was added).
  private var handle: FileHandle?

  /// Follows `path` from `offset` with a fresh parser.
  init(path: String, offset: Int64, parser: any OutputParser) {
    self.path = path
    self.parser = parser
    self.splitter = LineSplitter(startOffset: offset)
    self.readOffset = offset
  }

  /// Starts a fresh parser for the next run of the CLI (parsers keep per-run state, such as which
  /// usage limits they already reported), keeping the position in the log.
  mutating func startRun(with parser: any OutputParser) {
    self.parser = parser
  }

  /// The start of the first byte not yet part of a parsed line.
  var committedOffset: Int64 { splitter.resumeOffset }

  /// Parses the complete lines appended since the last call. With `final`, a trailing line without
  /// a newline is parsed too (the writer has exited).
  mutating func poll(final: Bool = false) -> [AgentEvent] {
    var events: [AgentEvent] = []
    if handle == nil { handle = FileHandle(forReadingAtPath: path) }
    if let handle {
      do {
        try handle.seek(toOffset: UInt64(readOffset))
        while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
          readOffset += Int64(chunk.count)
          for line in splitter.feed(Array(chunk)) { events += parse(line) }
        }
      } catch {
        // The log is append-only; a read error leaves the offset where it was for the next poll.
      }
    }
    if final, let last = splitter.finish() { events += parse(last) }
    return events
  }

  private mutating func parse(_ line: LineSplitter.Line) -> [AgentEvent] {
    if line.truncated {
      return [
        AgentEvent(
          offset: line.offset,
          kind: .error(message: "output line longer than \(splitter.maximumLineLength) bytes was cut"))
      ]
    }
    return parser.parse(line: line.bytes, offset: line.offset)
  }
}
