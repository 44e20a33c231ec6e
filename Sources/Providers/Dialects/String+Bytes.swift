import Foundation

extension String {
  /// Runs `body` on the string's UTF-8 bytes (contiguous for native strings; others are copied).
  func withUTF8Bytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
    if let result = utf8.withContiguousStorageIfAvailable(body) { return result }
    var copy = self
    copy.makeContiguousUTF8()
    return copy.utf8.withContiguousStorageIfAvailable(body) ?? Array(utf8).withUnsafeBufferPointer(body)
  }

  /// Whether the UTF-8 bytes of `needle` occur in this string: a plain byte search, without the
  /// Foundation bridging `contains(_:)` may go through.
  func containsBytes(of needle: StaticString) -> Bool {
    needle.withUTF8Buffer { pattern in
      withUTF8Bytes { bytes in
        guard let first = pattern.first else { return true }
        guard bytes.count >= pattern.count else { return false }
        for index in 0...(bytes.count - pattern.count) where bytes[index] == first {
          var matched = 1
          while matched < pattern.count, bytes[index + matched] == pattern[matched] { matched += 1 }
          if matched == pattern.count { return true }
        }
        return false
      }
    }
  }

  /// Whether the string's UTF-8 bytes start with those of `prefix`: cheaper than `hasPrefix`,
  /// which compares characters.
  func hasBytePrefix(_ prefix: StaticString) -> Bool {
    prefix.withUTF8Buffer { pattern in
      withUTF8Bytes { bytes in
        guard bytes.count >= pattern.count, let start = bytes.baseAddress, let expected = pattern.baseAddress
        else { return pattern.isEmpty }
        return memcmp(start, expected, pattern.count) == 0
      }
    }
  }
}

extension String {
  /// Whether both strings have the same UTF-8 bytes: a length check and a `memcmp`, without the
  /// Unicode normalization `==` may perform on non-ASCII text.
  func hasSameBytes(as other: String) -> Bool {
    guard utf8.count == other.utf8.count else { return false }
    return withUTF8Bytes { left in
      other.withUTF8Bytes { right in
        guard let first = left.baseAddress, let second = right.baseAddress else { return true }
        return memcmp(first, second, left.count) == 0
      }
    }
  }
}
