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
  private var log: LogDescriptor?
  /// Where to stop reading (a line boundary: where the next part of the log starts); `nil` reads
  /// to the end.
  var limit: Int64?

  /// An open log and the buffer its polls read into, closed and freed when the last follower copy
  /// holding it goes. The buffer is made once: a new zeroed 64 KiB for every poll cost each one a
  /// `memset` and, the heap trimmed after it, page faults again.
  private final class LogDescriptor {
    let descriptor: Int32
    let buffer: UnsafeMutableRawBufferPointer
    init?(path: String) {
      descriptor = open(path, O_RDONLY | O_CLOEXEC)
      if descriptor < 0 { return nil }
      buffer = .allocate(byteCount: 1 << 16, alignment: 16)
    }
    deinit {
      close(descriptor)
      buffer.deallocate()
    }
  }

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
    if log == nil { log = LogDescriptor(path: path) }
    if let log {
      let buffer = log.buffer
      while true {
        let wanted = limit.map { min(Int64(buffer.count), $0 - readOffset) } ?? Int64(buffer.count)
        guard wanted > 0 else { break }
        let count = pread(log.descriptor, buffer.baseAddress, Int(wanted), off_t(readOffset))
        if count < 0 && errno == EINTR { continue }
        // The log is append-only; a read error leaves the offset where it was for the next poll.
        guard count > 0 else { break }
        readOffset += Int64(count)
        let read = Array(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        for line in splitter.feed(read) { events += parse(line) }
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
