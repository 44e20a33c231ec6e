// UTF-8 validation and `String` creation for `JSONByteParser`.
//
// Every standard-library initializer that takes unchecked bytes validates them byte by byte unless
// the whole buffer is ASCII, which made validation the largest single cost of parsing agent output
// (long, mostly-ASCII text with the odd "→" or emoji). So the parser validates with its own
// word-at-a-time validator and hands the bytes to `String(copying: UTF8Span)`, which trusts them.
// On Apple platforms before the 2025 releases that API does not exist, and the standard library
// validates instead.

extension JSONByteParser {
  /// A `String` from UTF-8 bytes, or an error if they are not valid UTF-8. `isASCII` must be true
  /// only if every byte is below 0x80.
  @inline(__always)
  func makeString(
    _ utf8: UnsafeBufferPointer<UInt8>,
    isASCII: Bool,
    at offset: Int
  ) throws(JSONParseError) -> String {
    if #available(macOS 26, iOS 26, tvOS 26, watchOS 26, visionOS 26, *) {
      guard isASCII || Self.isValidUTF8(utf8) else {
        throw JSONParseError(offset: offset, reason: "invalid UTF-8 in string")
      }
      // Safe: the bytes were just validated (ASCII is valid UTF-8), and `isASCII` is exact.
      return String(copying: UTF8Span(unchecked: Span(_unsafeElements: utf8), isKnownASCII: isASCII))
    }
    if isASCII {
      // ASCII is valid UTF-8: a word-at-a-time ASCII check and a copy.
      return String(decoding: utf8, as: UTF8.self)
    }
    guard let string = String(validating: utf8, as: UTF8.self) else {
      throw JSONParseError(offset: offset, reason: "invalid UTF-8 in string")
    }
    return string
  }

  /// Whether `utf8` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
  /// above U+10FFFF, no truncated sequences). Skips ASCII eight bytes at a time.
  static func isValidUTF8(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let base = utf8.baseAddress else { return true }
    let raw = UnsafeRawPointer(base)
    let count = utf8.count
    var index = 0
    while index < count {
      if count &- index >= 8 {
        let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
        let high = word & 0x8080_8080_8080_8080
        if high == 0 {
          index &+= 8
          continue
        }
        index &+= high.trailingZeroBitCount &>> 3
      }
      let lead = base[index]
      if lead < 0x80 {
        index &+= 1
        continue
      }
      // The allowed range of the byte after `lead`, and how many continuation bytes follow it.
      let secondLow: UInt8
      let secondHigh: UInt8
      let length: Int
      switch lead {
      case 0xC2...0xDF: (secondLow, secondHigh, length) = (0x80, 0xBF, 2)
      case 0xE0: (secondLow, secondHigh, length) = (0xA0, 0xBF, 3)
      case 0xE1...0xEC, 0xEE...0xEF: (secondLow, secondHigh, length) = (0x80, 0xBF, 3)
      case 0xED: (secondLow, secondHigh, length) = (0x80, 0x9F, 3)
      case 0xF0: (secondLow, secondHigh, length) = (0x90, 0xBF, 4)
      case 0xF1...0xF3: (secondLow, secondHigh, length) = (0x80, 0xBF, 4)
      case 0xF4: (secondLow, secondHigh, length) = (0x80, 0x8F, 4)
      default: return false
      }
      guard count &- index >= length else { return false }
      let second = base[index &+ 1]
      guard second >= secondLow && second <= secondHigh else { return false }
      if length >= 3 {
        guard base[index &+ 2] & 0xC0 == 0x80 else { return false }
        if length == 4 {
          guard base[index &+ 3] & 0xC0 == 0x80 else { return false }
        }
      }
      index &+= length
    }
    return true
  }
}
