// A verbatim copy of the JSON parser as it was before the parse-throughput work (renamed), kept
// as the oracle for differential tests: the current parser must accept exactly the same inputs,
// produce the same values and report the same errors (offset and reason).

@testable import ProviderKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Parses `bytes` with the reference parser.
func referenceParse(_ bytes: [UInt8]) -> Result<JSONValue, JSONParseError> {
  bytes.withUnsafeBytes { raw in
    guard let base = raw.baseAddress, !raw.isEmpty else {
      return .failure(JSONParseError(offset: 0, reason: "unexpected end of input"))
    }
    var parser = ReferenceJSONByteParser(bytes: base.assumingMemoryBound(to: UInt8.self), count: raw.count)
    return Result { () throws(JSONParseError) in try parser.parseDocument() }
  }
}

// MARK: - The parser

/// An array or object under construction: where its elements (and member names) start on the
/// parser's stacks. `keyStart` is negative for arrays.
struct ReferenceJSONParserFrame {
  var valueStart: Int
  var keyStart: Int
}

/// The parsing state for one document. Reads `bytes[0 ..< end]` only; every access is preceded by
/// an explicit bounds check in the parsing logic.
struct ReferenceJSONByteParser: ~Copyable {
  let bytes: UnsafePointer<UInt8>
  let end: Int
  /// The offset of the next byte to read.
  var position = 0
  /// Finished values of every open array and object, innermost last.
  var values = ReferenceJSONParserStack<JSONValue>(initialCapacity: 32)
  /// Finished member names of every open object, innermost last.
  var keys = ReferenceJSONParserStack<String>(initialCapacity: 16)
  /// The open arrays and objects, innermost last.
  var frames = ReferenceJSONParserStack<ReferenceJSONParserFrame>(initialCapacity: 8)
  /// Where strings with escapes are decoded.
  var scratch = ReferenceJSONParserByteBuffer()

  /// ASCII codes the parser dispatches on.
  enum ASCII {
    static let tab: UInt8 = 0x09
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let plus: UInt8 = 0x2B
    static let comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D
    static let period: UInt8 = 0x2E
    static let slash: UInt8 = 0x2F
    static let zero: UInt8 = 0x30
    static let colon: UInt8 = 0x3A
    static let openBracket: UInt8 = 0x5B
    static let backslash: UInt8 = 0x5C
    static let closeBracket: UInt8 = 0x5D
    static let lowercaseE: UInt8 = 0x65
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D
  }

  init(bytes: UnsafePointer<UInt8>, count: Int) {
    self.bytes = bytes
    self.end = count
  }

  /// Parses the whole input as one JSON value.
  mutating func parseDocument() throws(JSONParseError) -> JSONValue {
    nextValue: while true {
      var value: JSONValue
      skipWhitespace()
      guard position < end else { throw unexpectedEnd() }
      switch bytes[position] {
      case ASCII.quote:
        position &+= 1
        value = .string(try parseString())
      case ASCII.openBrace:
        try checkDepth()
        position &+= 1
        skipWhitespace()
        if position < end && bytes[position] == ASCII.closeBrace {
          position &+= 1
          value = .object(JSONObject())
        } else {
          frames.push(ReferenceJSONParserFrame(valueStart: values.count, keyStart: keys.count))
          try parseMemberName()
          continue nextValue
        }
      case ASCII.openBracket:
        try checkDepth()
        position &+= 1
        skipWhitespace()
        if position < end && bytes[position] == ASCII.closeBracket {
          position &+= 1
          value = .array([])
        } else {
          frames.push(ReferenceJSONParserFrame(valueStart: values.count, keyStart: -1))
          continue nextValue
        }
      case 0x74:  // t
        try expectLiteral(0x6575_7274, length: 4)  // "true"
        value = .bool(true)
      case 0x66:  // f
        try expectLiteral(0x6573_6C61, length: 5)  // "alse" after the f
        value = .bool(false)
      case 0x6E:  // n
        try expectLiteral(0x6C6C_756E, length: 4)  // "null"
        value = .null
      case ASCII.minus, ASCII.zero...0x39:
        value = .number(try parseNumber())
      default:
        throw unexpectedByte("expected a JSON value")
      }

      // `value` is complete: store it in its container, then close as many containers as end here.
      while true {
        guard frames.count > 0 else {
          skipWhitespace()
          guard position == end else {
            throw JSONParseError(offset: position, reason: "unexpected data after the JSON value")
          }
          return value
        }
        values.push(consume value)
        skipWhitespace()
        guard position < end else { throw unexpectedEnd() }
        let byte = bytes[position]
        let frame = frames.top
        if frame.keyStart >= 0 {
          if byte == ASCII.comma {
            position &+= 1
            skipWhitespace()
            try parseMemberName()
            continue nextValue
          }
          guard byte == ASCII.closeBrace else { throw unexpectedByte("expected ',' or '}' in object") }
          position &+= 1
          frames.removeLast()
          let names = keys.popArray(from: frame.keyStart)
          value = .object(JSONObject(keys: names, values: values.popArray(from: frame.valueStart)))
        } else {
          if byte == ASCII.comma {
            position &+= 1
            continue nextValue
          }
          guard byte == ASCII.closeBracket else { throw unexpectedByte("expected ',' or ']' in array") }
          position &+= 1
          frames.removeLast()
          value = .array(values.popArray(from: frame.valueStart))
        }
      }
    }
  }

  // MARK: Structure

  @inline(__always)
  mutating func skipWhitespace() {
    while position < end {
      let byte = bytes[position]
      guard byte <= ASCII.space,
        byte == ASCII.space || byte == ASCII.newline || byte == ASCII.carriageReturn
          || byte == ASCII.tab
      else { return }
      position &+= 1
    }
  }

  /// Throws if an array or object starting at the position would be nested too deeply.
  @inline(__always)
  func checkDepth() throws(JSONParseError) {
    guard frames.count < JSONParser.maximumDepth else {
      throw JSONParseError(
        offset: position,
        reason: "nesting deeper than \(JSONParser.maximumDepth) arrays and objects"
      )
    }
  }

  /// Parses `"name"` and the `:` after it, leaving the position at the member's value.
  @inline(__always)
  mutating func parseMemberName() throws(JSONParseError) {
    guard position < end else { throw unexpectedEnd() }
    guard bytes[position] == ASCII.quote else { throw unexpectedByte("expected a member name string") }
    position &+= 1
    keys.push(try parseString())
    skipWhitespace()
    guard position < end else { throw unexpectedEnd() }
    guard bytes[position] == ASCII.colon else { throw unexpectedByte("expected ':' after member name") }
    position &+= 1
  }

  /// Checks for `true`, `false` or `null` at the position (whose first byte is already known) and
  /// moves past it. `pattern` is the last four bytes of the literal, little-endian.
  @inline(__always)
  mutating func expectLiteral(_ pattern: UInt32, length: Int) throws(JSONParseError) {
    guard end &- position >= length,
      UInt32(
        littleEndian: UnsafeRawPointer(bytes + position + length - 4)
          .loadUnaligned(as: UInt32.self)
      ) == pattern
    else { throw unexpectedByte("invalid literal") }
    position &+= length
  }

  // MARK: Errors

  func unexpectedEnd() -> JSONParseError {
    JSONParseError(offset: end, reason: "unexpected end of input")
  }

  /// An error at the current position that names the byte found there.
  func unexpectedByte(_ expectation: String) -> JSONParseError {
    guard position < end else { return unexpectedEnd() }
    let byte = bytes[position]
    let found =
      (0x21...0x7E).contains(byte)
      ? "'\(Character(Unicode.Scalar(byte)))'"
      : "byte 0x\(String(byte, radix: 16, uppercase: true))"
    return JSONParseError(offset: position, reason: "\(expectation), found \(found)")
  }
}

// Number parsing for `ReferenceJSONByteParser`.
//
// The grammar is checked byte by byte while the significant digits accumulate in a `UInt64`. When
// they fit in 53 bits and the decimal exponent is within ±22, one exact `Double` multiplication or
// division gives the correctly rounded result (Clinger's fast path) — that covers integers, token
// counts, costs and durations. Anything else goes through the standard library's locale-independent,
// correctly rounding `Double(_: Substring)`.

extension ReferenceJSONByteParser {
  /// Parses a number starting at the position (a `-` or a digit), leaving the position after it.
  @inline(__always)
  mutating func parseNumber() throws(JSONParseError) -> Double {
    let start = position
    var index = position
    let negative = bytes[index] == ASCII.minus
    if negative { index &+= 1 }

    var significand: UInt64 = 0
    var digitCount = 0
    guard index < end else { throw JSONParseError(offset: index, reason: "expected a digit") }
    if bytes[index] == ASCII.zero {
      index &+= 1
      if index < end && bytes[index] &- ASCII.zero < 10 {
        throw JSONParseError(offset: start, reason: "leading zeros are not allowed in numbers")
      }
    } else {
      let integerStart = index
      while index < end {
        let digit = bytes[index] &- ASCII.zero
        guard digit < 10 else { break }
        significand = significand &* 10 &+ UInt64(digit)
        index &+= 1
      }
      guard index > integerStart else { throw JSONParseError(offset: index, reason: "expected a digit") }
      digitCount = index &- integerStart
    }

    var exponent = 0
    if index < end && bytes[index] == ASCII.period {
      index &+= 1
      let fractionStart = index
      while index < end {
        let digit = bytes[index] &- ASCII.zero
        guard digit < 10 else { break }
        significand = significand &* 10 &+ UInt64(digit)
        index &+= 1
      }
      guard index > fractionStart else {
        throw JSONParseError(offset: index, reason: "expected a digit after the decimal point")
      }
      digitCount &+= index &- fractionStart
      exponent = fractionStart &- index
    }

    if index < end && bytes[index] | 0x20 == ASCII.lowercaseE {
      index &+= 1
      var exponentNegative = false
      if index < end && (bytes[index] == ASCII.plus || bytes[index] == ASCII.minus) {
        exponentNegative = bytes[index] == ASCII.minus
        index &+= 1
      }
      let exponentStart = index
      var written = 0
      while index < end {
        let digit = bytes[index] &- ASCII.zero
        guard digit < 10 else { break }
        if written < 1_000_000 { written = written &* 10 &+ Int(digit) }
        index &+= 1
      }
      guard index > exponentStart else {
        throw JSONParseError(offset: index, reason: "expected a digit in the exponent")
      }
      exponent &+= exponentNegative ? -written : written
    }
    position = index

    if digitCount <= 19 && significand <= 1 << 53 && exponent >= -22 && exponent <= 22 {
      var value = Double(significand)
      if exponent < 0 {
        value /= Self.powerOfTen(-exponent)
      } else if exponent > 0 {
        value *= Self.powerOfTen(exponent)
      }
      return negative ? -value : value
    }
    return try slowNumber(from: start, to: index)
  }

  /// 10^`exponent` for 0 ... 22, each exactly representable as a `Double`.
  @inline(__always)
  static func powerOfTen(_ exponent: Int) -> Double {
    switch exponent {
    case 0: 1e0
    case 1: 1e1
    case 2: 1e2
    case 3: 1e3
    case 4: 1e4
    case 5: 1e5
    case 6: 1e6
    case 7: 1e7
    case 8: 1e8
    case 9: 1e9
    case 10: 1e10
    case 11: 1e11
    case 12: 1e12
    case 13: 1e13
    case 14: 1e14
    case 15: 1e15
    case 16: 1e16
    case 17: 1e17
    case 18: 1e18
    case 19: 1e19
    case 20: 1e20
    case 21: 1e21
    default: 1e22
    }
  }

  /// Converts a number the fast path cannot: long significands, large exponents.
  @inline(never)
  func slowNumber(from start: Int, to stop: Int) throws(JSONParseError) -> Double {
    let text = String(
      decoding: UnsafeBufferPointer(start: bytes + start, count: stop &- start), as: UTF8.self)
    guard let value = Double(text[...]) else {
      throw JSONParseError(offset: start, reason: "number out of range")
    }
    return value
  }
}

// Manually managed buffers the JSON parser uses for its work in progress.
//
// They exist for speed: finished arrays and objects are *moved* (not copied and retained) out of
// the value stack into exact-capacity Swift arrays, and escaped strings are decoded into one reused
// byte buffer. Both types are noncopyable and free their memory in `deinit`, so an error thrown
// half-way through a document leaks nothing.

/// A growable stack of `Element` whose top `n` elements can be moved out into an `Array`.
struct ReferenceJSONParserStack<Element>: ~Copyable {
  /// The storage, or `nil` until the first push.
  private var storage: UnsafeMutablePointer<Element>?
  /// How many elements are initialized, from `storage[0]` up.
  private(set) var count = 0
  private var capacity = 0
  private let initialCapacity: Int

  init(initialCapacity: Int) {
    self.initialCapacity = initialCapacity
  }

  deinit {
    if let storage {
      storage.deinitialize(count: count)
      storage.deallocate()
    }
  }

  /// Pushes `element` on top of the stack.
  @inline(__always)
  mutating func push(_ element: consuming Element) {
    if count == capacity { grow() }
    (storage.unsafelyUnwrapped + count).initialize(to: element)
    count &+= 1
  }

  /// The top element. The stack must not be empty.
  @inline(__always)
  var top: Element {
    storage.unsafelyUnwrapped[count &- 1]
  }

  /// Removes the top element. The stack must not be empty.
  @inline(__always)
  mutating func removeLast() {
    count &-= 1
    (storage.unsafelyUnwrapped + count).deinitialize(count: 1)
  }

  /// Moves the elements from index `start` to the top into a new array, leaving `start` elements.
  @inline(__always)
  mutating func popArray(from start: Int) -> [Element] {
    let moved = count &- start
    let source = storage.unsafelyUnwrapped + start
    count = start
    // Array literals allocate through an inlined path with cached type metadata; every other way
    // to make an array of a given size calls a generic standard-library function that looks the
    // storage class's metadata up in a global table each time — measurably slower for the small
    // arrays and objects that make up agent events.
    switch moved {
    case 0: return []
    case 1: return [source.move()]
    case 2: return [source.move(), (source + 1).move()]
    case 3: return [source.move(), (source + 1).move(), (source + 2).move()]
    case 4: return [source.move(), (source + 1).move(), (source + 2).move(), (source + 3).move()]
    case 5:
      return [
        source.move(), (source + 1).move(), (source + 2).move(), (source + 3).move(),
        (source + 4).move(),
      ]
    case 6:
      return [
        source.move(), (source + 1).move(), (source + 2).move(), (source + 3).move(),
        (source + 4).move(), (source + 5).move(),
      ]
    case 7:
      return [
        source.move(), (source + 1).move(), (source + 2).move(), (source + 3).move(),
        (source + 4).move(), (source + 5).move(), (source + 6).move(),
      ]
    case 8:
      return [
        source.move(), (source + 1).move(), (source + 2).move(), (source + 3).move(),
        (source + 4).move(), (source + 5).move(), (source + 6).move(), (source + 7).move(),
      ]
    default:
      break
    }
    return [Element](unsafeUninitializedCapacity: moved) { buffer, initialized in
      buffer.baseAddress.unsafelyUnwrapped.moveInitialize(from: source, count: moved)
      initialized = moved
    }
  }

  @inline(never)
  private mutating func grow() {
    let newCapacity = Swift.max(initialCapacity, capacity &* 2)
    let newStorage = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
    if let storage {
      newStorage.moveInitialize(from: storage, count: count)
      storage.deallocate()
    }
    storage = newStorage
    capacity = newCapacity
  }
}

/// A growable byte buffer, reused for every string that contains escapes.
struct ReferenceJSONParserByteBuffer: ~Copyable {
  private var storage: UnsafeMutablePointer<UInt8>?
  /// The number of bytes written.
  var count = 0
  private var capacity = 0

  init() {}

  deinit {
    storage?.deallocate()
  }

  /// The bytes written so far. Valid until the next mutation.
  var bytes: UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: storage, count: count)
  }

  /// Appends `length` bytes starting at `source`.
  @inline(__always)
  mutating func append(_ source: UnsafePointer<UInt8>, count length: Int) {
    guard length > 0 else { return }
    if capacity &- count < length { grow(toFit: length) }
    (storage.unsafelyUnwrapped + count).initialize(from: source, count: length)
    count &+= length
  }

  /// Appends one byte.
  @inline(__always)
  mutating func append(_ byte: UInt8) {
    if count == capacity { grow(toFit: 1) }
    storage.unsafelyUnwrapped[count] = byte
    count &+= 1
  }

  /// Appends the UTF-8 encoding of the Unicode scalar value `scalar` (at most 0x10FFFF, not a
  /// surrogate).
  @inline(__always)
  mutating func appendUTF8(_ scalar: UInt32) {
    if capacity &- count < 4 { grow(toFit: 4) }
    let out = storage.unsafelyUnwrapped + count
    if scalar < 0x80 {
      out[0] = UInt8(truncatingIfNeeded: scalar)
      count &+= 1
    } else if scalar < 0x800 {
      out[0] = UInt8(truncatingIfNeeded: 0xC0 | (scalar >> 6))
      out[1] = UInt8(truncatingIfNeeded: 0x80 | (scalar & 0x3F))
      count &+= 2
    } else if scalar < 0x10000 {
      out[0] = UInt8(truncatingIfNeeded: 0xE0 | (scalar >> 12))
      out[1] = UInt8(truncatingIfNeeded: 0x80 | ((scalar >> 6) & 0x3F))
      out[2] = UInt8(truncatingIfNeeded: 0x80 | (scalar & 0x3F))
      count &+= 3
    } else {
      out[0] = UInt8(truncatingIfNeeded: 0xF0 | (scalar >> 18))
      out[1] = UInt8(truncatingIfNeeded: 0x80 | ((scalar >> 12) & 0x3F))
      out[2] = UInt8(truncatingIfNeeded: 0x80 | ((scalar >> 6) & 0x3F))
      out[3] = UInt8(truncatingIfNeeded: 0x80 | (scalar & 0x3F))
      count &+= 4
    }
  }

  @inline(never)
  private mutating func grow(toFit extra: Int) {
    let needed = count + extra
    var newCapacity = Swift.max(256, capacity &* 2)
    while newCapacity < needed { newCapacity &*= 2 }
    let newStorage = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
    if let storage {
      newStorage.initialize(from: storage, count: count)
      storage.deallocate()
    }
    storage = newStorage
    capacity = newCapacity
  }
}

// String parsing for `ReferenceJSONByteParser`.
//
// Strings are scanned eight bytes at a time (SWAR) for the three bytes that end a plain run: `"`,
// `\` and control characters (below 0x20), noting on the way whether any byte is non-ASCII. A string
// without escapes — the common case — is then validated (only if non-ASCII) and copied into a
// `String` in one step (see JSONParserUTF8.swift). A string with escapes is decoded into the
// parser's reused scratch buffer, run by run, and validated at the end.

extension ReferenceJSONByteParser {
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

// UTF-8 validation and `String` creation for `ReferenceJSONByteParser`.
//
// Every standard-library initializer that takes unchecked bytes validates them byte by byte unless
// the whole buffer is ASCII, which made validation the largest single cost of parsing agent output
// (long, mostly-ASCII text with the odd "→" or emoji). So the parser validates with its own
// word-at-a-time validator and hands the bytes to `String(copying: UTF8Span)`, which trusts them.
// On Apple platforms before the 2025 releases that API does not exist, and the standard library
// validates instead.

extension ReferenceJSONByteParser {
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
