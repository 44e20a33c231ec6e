// String parsing for `JSONByteParser`.
//
// Strings are scanned eight bytes at a time (SWAR) for the three bytes that end a plain run: `"`,
// `\` and control characters (below 0x20), noting on the way whether any byte is non-ASCII. A string
// without escapes — the common case — is then validated (only if non-ASCII, sixteen bytes at a
// time: see JSONParserUTF8.swift) and copied into a `String` in one step. A string with escapes is
// decoded into the parser's reused scratch buffer: each run is copied a word at a time as it is
// scanned, one-character escapes are decoded by table lookup (no jump to mispredict on text where
// `\n`, `\"` and `\\` alternate), and the result is validated at the end.
//
// Invalid UTF-8 is reported only once the string is complete, so an unterminated string, a control
// character or a bad escape further on is what gets reported.

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
      let utf8 = UnsafeBufferPointer(start: bytes + start, count: stop &- start)
      let isASCII = highBits & 0x8080_8080_8080_8080 == 0
      guard isASCII || Self.isValidUTF8Vectorized(utf8) else { throw invalidUTF8(at: start) }
      return makeString(utf8, isASCII: isASCII)
    }
    if byte == ASCII.backslash {
      return try parseEscapedString(start: start, firstEscape: stop, highBits: highBits)
    }
    throw controlCharacter(at: stop)
  }

  /// Checks a string whose opening quote has been consumed exactly as ``parseString()`` does (same
  /// errors), without making a `String`, leaving the position after the closing quote.
  mutating func skipString() throws(JSONParseError) {
    let start = position
    var index = start
    var highBits: UInt64 = 0
    while true {
      let stop = findSpecialByte(from: index, highBits: &highBits)
      guard stop < end else {
        throw JSONParseError(offset: start &- 1, reason: "unterminated string")
      }
      let byte = bytes[stop]
      if byte == ASCII.quote {
        position = stop &+ 1
        // Escapes decode to valid UTF-8 (ASCII, or whole sequences) that cannot complete or start
        // a sequence in the raw bytes around them, so checking the raw runs one by one is the same
        // check as checking the decoded string.
        guard highBits & 0x8080_8080_8080_8080 == 0 || Self.isValidUTF8(runsOf: start..<stop, in: self) else {
          throw invalidUTF8(at: start)
        }
        return
      }
      guard byte == ASCII.backslash else { throw controlCharacter(at: stop) }
      index = try skipEscape(at: stop, stringStart: start)
    }
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

  func invalidUTF8(at offset: Int) -> JSONParseError {
    JSONParseError(offset: offset, reason: "invalid UTF-8 in string")
  }

  /// Parses the rest of a string that contains an escape at `firstEscape`.
  ///
  /// Alternates between decoding one escape and copying the plain run after it, until the closing
  /// quote. Decoding writes through a ``JSONScratchCursor`` with at least `room` bytes free (one
  /// escape adds at most four, one copied word eight); `scratch.count` is brought up to date
  /// before the buffer grows or is read.
  @inline(never)
  mutating func parseEscapedString(
    start: Int,
    firstEscape: Int,
    highBits initialHighBits: UInt64
  ) throws(JSONParseError) -> String {
    var highBits = initialHighBits
    scratch.count = 0
    scratch.append(bytes + start, count: firstEscape &- start)
    scratch.reserve(64)
    var cursor = scratchCursor()
    var index = firstEscape
    while true {
      // bytes[index] is a backslash.
      try decodeEscape(at: &index, into: &cursor, highBits: &highBits, stringStart: start)
      copyPlainRun(from: &index, into: &cursor, highBits: &highBits)
      scratch.count = cursor.out
      if end &- index < 8 {
        try copyShortPlainRun(from: &index, into: &cursor, highBits: &highBits, stringStart: start)
      }
      let byte = bytes[index]
      if byte == ASCII.quote {
        position = index &+ 1
        let isASCII = highBits & 0x8080_8080_8080_8080 == 0
        guard isASCII || Self.isValidUTF8Vectorized(scratch.bytes) else { throw invalidUTF8(at: start) }
        return makeString(scratch.bytes, isASCII: isASCII)
      }
      guard byte == ASCII.backslash else { throw controlCharacter(at: index) }
    }
  }

  /// A cursor at the end of what ``scratch`` holds.
  @inline(__always)
  func scratchCursor() -> JSONScratchCursor {
    JSONScratchCursor(base: scratch.base, out: scratch.count, room: scratch.capacity &- scratch.count)
  }

  /// Makes room for at least 64 more bytes after `cursor`, which then points into the new storage.
  @inline(__always)
  mutating func growScratch(_ cursor: inout JSONScratchCursor) {
    scratch.count = cursor.out
    scratch.reserve(64)
    cursor = scratchCursor()
  }

  /// Decodes the escape at `index` (a backslash) of the string whose contents start at
  /// `stringStart`, writing it at `cursor`; moves both past it.
  @inline(__always)
  mutating func decodeEscape(
    at index: inout Int,
    into cursor: inout JSONScratchCursor,
    highBits: inout UInt64,
    stringStart start: Int
  ) throws(JSONParseError) {
    index &+= 1
    guard index < end else { throw JSONParseError(offset: start &- 1, reason: "unterminated string") }
    let escaped = bytes[index]
    index &+= 1
    if cursor.room < 16 { growScratch(&cursor) }
    let decoded = Self.simpleEscape(escaped)
    if decoded != 0 {
      cursor.write(decoded)
    } else if escaped == 0x75 {  // u
      let scalar = try unicodeEscape(at: &index)
      if scalar >= 0x80 { highBits |= 0x80 }
      scratch.count = cursor.out
      scratch.appendUTF8(scalar)
      cursor = scratchCursor()
    } else {
      throw JSONParseError(offset: index &- 2, reason: "invalid escape sequence in string")
    }
  }

  /// Copies the plain run at `index` up to the next special byte to `cursor` eight bytes at a
  /// time, moving both past it, and ORs its bytes into `highBits` (see ``findSpecialByte``). Each
  /// word is stored whole and the cursor moves on by the bytes that belong to the run, so no byte
  /// is copied twice. Stops early when fewer than eight bytes are left.
  @inline(__always)
  mutating func copyPlainRun(
    from index: inout Int,
    into cursor: inout JSONScratchCursor,
    highBits: inout UInt64
  ) {
    let raw = UnsafeRawPointer(bytes)
    while end &- index >= 8 {
      if cursor.room < 8 { growScratch(&cursor) }
      let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
      cursor.store(word)
      let mask = Self.specialByteMask(word)
      if mask != 0 {
        let lowest = mask & (0 &- mask)
        highBits |= word & ((lowest &>> 7) &- 1)
        let run = mask.trailingZeroBitCount &>> 3
        index &+= run
        cursor.advance(by: run)
        return
      }
      highBits |= word
      index &+= 8
      cursor.advance(by: 8)
    }
  }

  /// Finishes the plain run at `index` one byte at a time where fewer than eight bytes are left
  /// (``scratch`` is up to date with `cursor`), and throws if the input ends before the string.
  @inline(__always)
  mutating func copyShortPlainRun(
    from index: inout Int,
    into cursor: inout JSONScratchCursor,
    highBits: inout UInt64,
    stringStart start: Int
  ) throws(JSONParseError) {
    while index < end {
      let byte = bytes[index]
      if byte == ASCII.quote || byte == ASCII.backslash || byte < ASCII.space { break }
      highBits |= UInt64(byte)
      scratch.append(byte)
      index &+= 1
    }
    cursor = scratchCursor()
    guard index < end else { throw JSONParseError(offset: start &- 1, reason: "unterminated string") }
  }

  /// The byte a one-character escape (the character after the backslash) stands for, or 0 for
  /// `u` and invalid escapes. A table lookup: a `switch` here compiles to an indirect jump, which
  /// mispredicts on text where `\n`, `\"` and `\\` alternate.
  @inline(__always)
  static func simpleEscape(_ escaped: UInt8) -> UInt8 {
    guard escaped < 0x80 else { return 0 }
    return escapeTable.utf8Start[Int(escaped)]
  }

  /// ``simpleEscape(_:)`` for the ASCII range: the decoded byte at the escape character's index.
  static var escapeTable: StaticString {
    """
    \0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\
    \0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\
    \0\0\u{22}\0\0\0\0\0\0\0\0\0\0\0\0\u{2F}\
    \0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\
    \0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\
    \0\0\0\0\0\0\0\0\0\0\0\0\u{5C}\0\0\0\
    \0\0\u{8}\0\0\0\u{C}\0\0\0\0\0\0\0\u{A}\0\
    \0\0\u{D}\0\u{9}\0\0\0\0\0\0\0\0\0\0\0
    """
  }

  /// Checks the escape at `offset` (a backslash) in the string whose contents start at
  /// `stringStart` as ``parseEscapedString`` does, and returns the offset after it.
  @inline(never)
  func skipEscape(at offset: Int, stringStart: Int) throws(JSONParseError) -> Int {
    var index = offset &+ 1
    guard index < end else {
      throw JSONParseError(offset: stringStart &- 1, reason: "unterminated string")
    }
    let escaped = bytes[index]
    index &+= 1
    if Self.simpleEscape(escaped) == 0 {
      guard escaped == 0x75 else {
        throw JSONParseError(offset: index &- 2, reason: "invalid escape sequence in string")
      }
      _ = try unicodeEscape(at: &index)
    }
    return index
  }

  /// Decodes the `\u` escape whose hex digits start at `index` (and a low surrogate escape after a
  /// high one), moving `index` past what it read.
  @inline(__always)
  func unicodeEscape(at index: inout Int) throws(JSONParseError) -> UInt32 {
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
    return scalar
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

/// Where ``JSONByteParser/parseEscapedString(start:firstEscape:highBits:)`` writes decoded bytes:
/// offset `out` of the scratch buffer's storage at `base`, with `room` bytes free from there. Kept
/// in locals rather than in ``JSONParserByteBuffer`` so that the decoding loop writes through a
/// pointer without updating the buffer's count for every byte.
struct JSONScratchCursor {
  var base: UnsafeMutablePointer<UInt8>
  var out: Int
  var room: Int

  /// Writes one byte. There must be room.
  @inline(__always)
  mutating func write(_ byte: UInt8) {
    base[out] = byte
    advance(by: 1)
  }

  /// Stores all eight bytes of `word` without moving on (see ``advance(by:)``). There must be room.
  @inline(__always)
  func store(_ word: UInt64) {
    UnsafeMutableRawPointer(base + out).storeBytes(of: word.littleEndian, as: UInt64.self)
  }

  /// Moves on by `count` bytes written.
  @inline(__always)
  mutating func advance(by count: Int) {
    out &+= count
    room &-= count
  }
}
