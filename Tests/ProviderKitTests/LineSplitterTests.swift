import ProviderKit
import Testing

/// Splitting a log into lines with offsets: chunk boundaries never change the result.
@Suite struct LineSplitterTests {
  @Test func linesKeepTheirByteOffsetsAcrossChunks() {
    let log = Array("first\nsecond line\r\n\nlast".utf8)
    var whole = LineSplitter()
    let expected = whole.feed(log) + [whole.finish()].compactMap { $0 }
    #expect(
      expected.map { String(decoding: $0.bytes, as: UTF8.self) } == ["first", "second line", "", "last"])
    #expect(expected.map(\.offset) == [0, 6, 19, 20])

    for chunkSize in 1...7 {
      var splitter = LineSplitter()
      var lines: [LineSplitter.Line] = []
      var index = 0
      while index < log.count {
        lines += splitter.feed(Array(log[index..<min(index + chunkSize, log.count)]))
        index += chunkSize
      }
      if let last = splitter.finish() { lines.append(last) }
      #expect(lines.map(\.offset) == expected.map(\.offset))
      #expect(lines.map { Array($0.bytes) } == expected.map { Array($0.bytes) })
    }
  }

  @Test func resumeOffsetPointsAtThePartialLine() {
    var splitter = LineSplitter(startOffset: 100)
    let lines = splitter.feed(Array("a\nbc".utf8))
    #expect(lines.map(\.offset) == [100])
    #expect(splitter.resumeOffset == 102)
    #expect(splitter.consumedOffset == 104)
  }

  @Test func overlongLineIsCutAndTheRestSkipped() {
    var splitter = LineSplitter(maximumLineLength: 8)
    var lines = splitter.feed(Array("0123456789abcdef".utf8))
    lines += splitter.feed(Array("ghij\nok\n".utf8))
    #expect(lines.count == 2)
    #expect(lines[0].truncated)
    #expect(lines[0].bytes.count == 8)
    #expect(lines[0].offset == 0)
    #expect(String(decoding: lines[1].bytes, as: UTF8.self) == "ok")
    #expect(lines[1].offset == 21)
    #expect(!lines[1].truncated)
  }

  @Test func lineOfExactlyTheLimitIsNotTruncated() {
    var splitter = LineSplitter(maximumLineLength: 4)
    let lines = splitter.feed(Array("abcd\nx\n".utf8))
    #expect(lines.map(\.truncated) == [false, false])
    #expect(lines.map { Array($0.bytes) } == [Array("abcd".utf8), Array("x".utf8)])
  }
}
