import Foundation

extension String {
  /// `trimmingCharacters(in: .whitespacesAndNewlines)`, with the same result, without Foundation
  /// when both ends stop at ASCII: the first use of Foundation's trimming cost a short-lived
  /// command about 0.7M instructions (its character sets and `NSString`).
  ///
  /// ASCII whitespace (tab, line feed, vertical tab, form feed, carriage return, space) is skipped
  /// at both ends; when the text left starts and ends with an ASCII character, that is the
  /// answer (every other character of the set is beyond ASCII). Otherwise Foundation decides.
  package var trimmedOfWhitespaceAndNewlines: String {
    let done: String?? = utf8.withContiguousStorageIfAvailable { bytes -> String? in
      func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
      var start = 0
      var end = bytes.count
      while start < end, isSpace(bytes[start]) { start += 1 }
      while end > start, isSpace(bytes[end - 1]) { end -= 1 }
      if start == end { return "" }
      guard bytes[start] < 0x80, bytes[end - 1] < 0x80 else { return nil }
      if start == 0 && end == bytes.count { return self }
      return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }
    if let done, let trimmed = done { return trimmed }
    return trimmingCharacters(in: .whitespacesAndNewlines)
  }
}
