// String parsing for `JSONByteParser`.
//
// Strings are scanned eight bytes at a time (SWAR) for the three bytes that end a plain run: `"`,
// `\` and control characters (below 0x20), noting on the way whether any byte is non-ASCII. A string
// without escapes — the common case — is then validated (only if non-ASCII) and copied into a
// `String` in one step (see JSONParserUTF8.swift). A string with escapes is decoded into the
// parser's reused scratch buffer, run by run, and validated at the end.

extension JSONByteParser {
  /// Parses a string whose opening quote has been consumed, leaving the position after the closing
  /// quote.
  @inline(__always)
  mutating func parseString() throws(JSONParseError) -> String {
    let start = position
    var highBits: UInt64 = 0
    let stop = findSpecialByte(from: start, highBits: &highBits)
    guard stop < end else {
      throw JSONParseError(offset: start &- 1, reason: "unterminated string")
    }
    let byte = bytes[stop]
    if byte == ASCII.quote {
      position = stop &+ 1
      return try makeString(
        UnsafeBufferPointer(start: bytes + start, count: stop &- start),
        isASCII: highBits & 0x8080_8080_8080_8080 == 0,
        at: start
      )
    }
    if byte == ASCII.backslash {
      return try parseEscapedString(start: start, firstEscape: stop, highBits: highBits)
    }
    throw controlCharacter(at: stop)
  }

  /// The offset of the first `"`, `\` or control byte at or after `start`, or `end` if none.
  /// ORs the bytes before it into `highBits`, whose bit 7 (of any byte) then tells if any was
  /// non-ASCII.
  @inline(__always)
  func findSpecialByte(from start: Int, highBits: inout UInt64) -> Int {
    var index = start
    let raw = UnsafeRawPointer(bytes)
    while end &- index >= 8 {
      let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
      let mask = Self.specialByteMask(word)
      if mask != 0 {
        // Only the bytes below the first special byte belong to the string.
        let lowest = mask & (0 &- mask)
        highBits |= word & ((lowest &>> 7) &- 1)
        return index &+ (mask.trailingZeroBitCount &>> 3)
      }
      highBits |= word
      index &+= 8
    }
    while index < end {
      let byte = bytes[index]
      if byte == ASCII.quote || byte == ASCII.backslash || byte < ASCII.space { return index }
      highBits |= UInt64(byte)
      index &+= 1
    }
    return end
  }

  /// Sets the high bit of each byte of `word` that is `"`, `\` or below 0x20 (SWAR). Bits above
  /// the lowest set one may be false positives; the lowest set bit is always exact.
  ///
  /// For each target `t` (all below 0x80), byte `b` matches when `(b ^ t) - 1` (or `b - 0x20`)
  /// borrows into bit 7 while `b` itself is below 0x80, so the `& ~word` is shared.
  @inline(__always)
  static func specialByteMask(_ word: UInt64) -> UInt64 {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let quotes = (word ^ (ones &* UInt64(ASCII.quote))) &- ones
    let backslashes = (word ^ (ones &* UInt64(ASCII.backslash))) &- ones
    let controls = word &- ones &* UInt64(ASCII.space)
    return (quotes | backslashes | controls) & ~word & 0x8080_8080_8080_8080
  }

  func controlCharacter(at offset: Int) -> JSONParseError {
    JSONParseError(
      offset: offset,
      reason: "unescaped control character 0x\(String(bytes[offset], radix: 16, uppercase: true)) in string"
    )
  }

  /// Parses the rest of a string that contains an escape at `firstEscape`.
  @inline(never)
  mutating func parseEscapedString(
    start: Int,
    firstEscape: Int,
    highBits initialHighBits: UInt64
  ) throws(JSONParseError) -> String {
    var highBits = initialHighBits
    scratch.count = 0
    scratch.append(bytes + start, count: firstEscape &- start)
    var index = firstEscape
    while true {
      // bytes[index] is a backslash.
      index &+= 1
      guard index < end else { throw JSONParseError(offset: start &- 1, reason: "unterminated string") }
      let escaped = bytes[index]
      index &+= 1
      switch escaped {
      case ASCII.quote, ASCII.backslash, ASCII.slash: scratch.append(escaped)
      case 0x62: scratch.append(0x08)  // b
      case 0x66: scratch.append(0x0C)  // f
      case 0x6E: scratch.append(0x0A)  // n
      case 0x72: scratch.append(0x0D)  // r
      case 0x74: scratch.append(0x09)  // t
      case 0x75:  // u
        let unit = try hexQuad(at: index)
        index &+= 4
        var scalar = unit
        if unit & 0xF800 == 0xD800 {
          scalar = 0xFFFD  // unpaired surrogate, unless a low surrogate escape follows a high one
          if unit < 0xDC00, end &- index >= 6, bytes[index] == ASCII.backslash,
            bytes[index &+ 1] == 0x75
          {
            let low = try hexQuad(at: index &+ 2)
            if low & 0xFC00 == 0xDC00 {
              scalar = 0x10000 &+ ((unit &- 0xD800) &<< 10) &+ (low &- 0xDC00)
              index &+= 6
            }
          }
        }
        if scalar >= 0x80 { highBits |= 0x80 }
        scratch.appendUTF8(scalar)
      default:
        throw JSONParseError(offset: index &- 2, reason: "invalid escape sequence in string")
      }

      let runStart = index
      let stop = findSpecialByte(from: runStart, highBits: &highBits)
      guard stop < end else { throw JSONParseError(offset: start &- 1, reason: "unterminated string") }
      scratch.append(bytes + runStart, count: stop &- runStart)
      let byte = bytes[stop]
      if byte == ASCII.quote {
        position = stop &+ 1
        return try makeString(
          scratch.bytes,
          isASCII: highBits & 0x8080_8080_8080_8080 == 0,
          at: start
        )
      }
      guard byte == ASCII.backslash else { throw controlCharacter(at: stop) }
      index = stop
    }
  }

  /// The value of the four hex digits at `offset` (after `\u`).
  @inline(__always)
  func hexQuad(at offset: Int) throws(JSONParseError) -> UInt32 {
    guard end &- offset >= 4 else {
      throw JSONParseError(offset: offset, reason: "truncated \\u escape in string")
    }
    var value: UInt32 = 0
    for index in offset..<(offset &+ 4) {
      let byte = bytes[index]
      let digit: UInt8
      switch byte {
      case 0x30...0x39: digit = byte &- 0x30
      case 0x41...0x46: digit = byte &- 0x37
      case 0x61...0x66: digit = byte &- 0x57
      default: throw JSONParseError(offset: index, reason: "invalid hex digit in \\u escape")
      }
      value = value &<< 4 | UInt32(digit)
    }
    return value
  }
}
