#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Splits a byte stream, arriving in arbitrary chunks, into complete lines with their offsets.
///
/// Used to tail an output log: feed whatever bytes were read; complete lines come out, a trailing
/// partial line waits for more. A line longer than ``maximumLineLength`` is not buffered without
/// bound: it is cut there and reported as truncated, so one runaway line cannot exhaust memory.
public struct LineSplitter: Sendable {
  /// One complete line.
  public struct Line: Sendable, Hashable {
    /// Byte offset of the first byte of the line in the whole stream.
    public var offset: Int64
    /// The line's bytes, without the newline (and without a trailing carriage return).
    public var bytes: ArraySlice<UInt8>
    /// Whether the line was longer than the limit and was cut.
    public var truncated: Bool
  }

  /// Lines longer than this many bytes are cut; the rest up to the newline is skipped.
  public let maximumLineLength: Int
  /// Offset in the stream of the next byte to be fed.
  public private(set) var consumedOffset: Int64
  private var pending: [UInt8] = []
  private var pendingOffset: Int64
  private var skippingOverlongLine = false

  /// Creates a splitter whose first fed byte sits at `startOffset` in the stream.
  public init(startOffset: Int64 = 0, maximumLineLength: Int = 64 << 20) {
    self.maximumLineLength = maximumLineLength
    self.consumedOffset = startOffset
    self.pendingOffset = startOffset
  }

  /// Offset of the first byte not yet returned inside a complete line: the place to resume from.
  public var resumeOffset: Int64 { skippingOverlongLine ? consumedOffset : pendingOffset }

  /// Feeds bytes and returns the lines they complete.
  ///
  /// Lines that lie wholly inside `chunk` are returned as slices of it, without copying.
  public mutating func feed(_ chunk: [UInt8]) -> [Line] {
    var lines: [Line] = []
    var start = 0
    let count = chunk.count
    let newline = UInt8(ascii: "\n")
    while start < count {
      let end = chunk.withUnsafeBufferPointer { buffer -> Int? in
        guard let base = buffer.baseAddress,
          let found = memchr(base + start, Int32(newline), count - start)
        else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
      }
      let segmentEnd = end ?? count
      let segmentLength = segmentEnd - start
      if !skippingOverlongLine {
        let room = maximumLineLength - pending.count
        if segmentLength > room {
          pending.append(contentsOf: chunk[start..<(start + room)])
          lines.append(Line(offset: pendingOffset, bytes: pending[...], truncated: true))
          pending = []
          skippingOverlongLine = true
        } else if end != nil && pending.isEmpty {
          // The common case: a whole line inside this chunk.
          var bytes = chunk[start..<segmentEnd]
          if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
          lines.append(Line(offset: pendingOffset, bytes: bytes, truncated: false))
          consumedOffset += Int64(segmentLength + 1)
          pendingOffset = consumedOffset
          start = segmentEnd + 1
          continue
        } else {
          pending.append(contentsOf: chunk[start..<segmentEnd])
        }
      }
      consumedOffset += Int64(segmentLength)
      if end != nil {
        consumedOffset += 1
        if skippingOverlongLine {
          skippingOverlongLine = false
        } else {
          lines.append(makeLine(truncated: false))
        }
        pending = []
        pendingOffset = consumedOffset
        start = segmentEnd + 1
      } else {
        start = segmentEnd
      }
    }
    return lines
  }

  /// Feeds bytes and returns the lines they complete.
  public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>) -> [Line] {
    feed(Array(chunk))
  }

  /// Returns the trailing partial line, if any, as a final line (call at end of stream).
  public mutating func finish() -> Line? {
    defer {
      pending.removeAll()
      pendingOffset = consumedOffset
    }
    guard !pending.isEmpty, !skippingOverlongLine else { return nil }
    return makeLine(truncated: false)
  }

  private func makeLine(truncated: Bool) -> Line {
    var bytes = pending[...]
    if !truncated, bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
    return Line(offset: pendingOffset, bytes: bytes, truncated: truncated)
  }
}
