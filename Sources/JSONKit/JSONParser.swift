/// A strict, fast RFC 8259 JSON parser producing ``JSONValue`` trees.
///
/// Accepts exactly one JSON value, optionally surrounded by whitespace (space, tab, line feed,
/// carriage return). Everything RFC 8259 forbids is an error, reported as a ``JSONParseError``:
/// truncated input, trailing data, invalid literals, leading zeros, missing or extra commas,
/// unescaped control characters in strings, unknown escapes, invalid UTF-8 anywhere in a string,
/// and nesting deeper than ``maximumDepth``. No input makes the parser crash or trap: it works on
/// raw bytes with its own bounds checks and keeps containers on a heap stack, not the call stack.
///
/// Decisions where the RFC leaves room:
/// - An unpaired UTF-16 surrogate in a `\u` escape (such as `"\ud83d"` alone, which JavaScript's
///   `JSON.stringify` emits for a string cut inside an emoji) decodes to U+FFFD rather than failing,
///   so one truncated string does not cost the whole line.
/// - A number too large for `Double` becomes `±infinity` (as in JavaScript and Python); one too small
///   becomes zero. ``JSONWriter`` writes infinities back as `±1e999`.
/// - Duplicate object member names are kept, in order (``JSONObject`` lookups find the first).
/// - A byte order mark is not skipped; it is an error like any other unexpected byte.
public enum JSONParser {
  /// The deepest nesting of arrays and objects accepted; one more level is an error.
  public static let maximumDepth = 512

  /// Parses exactly one JSON value (surrounding whitespace allowed; trailing garbage is an error).
  public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
    guard let base = bytes.baseAddress, !bytes.isEmpty else {
      throw JSONParseError(offset: 0, reason: "unexpected end of input")
    }
    var parser = JSONByteParser(
      bytes: base.assumingMemoryBound(to: UInt8.self),
      count: bytes.count
    )
    return try parser.parseDocument()
  }

  /// Parses exactly one JSON value (surrounding whitespace allowed; trailing garbage is an error).
  ///
  /// Offsets in errors count from the slice's first element.
  public static func parse(_ bytes: ArraySlice<UInt8>) throws(JSONParseError) -> JSONValue {
    try bytes.withUnsafeBytes { raw in
      Result { () throws(JSONParseError) in try parse(raw) }
    }.get()
  }

  /// Parses exactly one JSON value (surrounding whitespace allowed; trailing garbage is an error).
  public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
    try bytes.withUnsafeBytes { raw in
      Result { () throws(JSONParseError) in try parse(raw) }
    }.get()
  }

  /// Parses exactly one JSON value like `parse(_:)`, leaving out the object members `filter` names
  /// (see ``JSONMemberFilter``). Accepts and rejects exactly what `parse(_:)` does, with the same
  /// errors.
  public static func parse(
    _ bytes: UnsafeRawBufferPointer,
    skipping filter: JSONMemberFilter
  ) throws(JSONParseError) -> JSONValue {
    guard let base = bytes.baseAddress, !bytes.isEmpty else {
      throw JSONParseError(offset: 0, reason: "unexpected end of input")
    }
    return try withExtendedLifetime(filter.compiled) { () throws(JSONParseError) -> JSONValue in
      var parser = JSONByteParser(
        bytes: base.assumingMemoryBound(to: UInt8.self),
        count: bytes.count,
        filter: filter.compiled.tables
      )
      return try parser.parseDocument()
    }
  }

  /// Parses exactly one JSON value, leaving out the object members `filter` names (see
  /// `parse(_:skipping:)` on raw bytes).
  ///
  /// Offsets in errors count from the slice's first element.
  public static func parse(
    _ bytes: ArraySlice<UInt8>,
    skipping filter: JSONMemberFilter
  ) throws(JSONParseError) -> JSONValue {
    try bytes.withUnsafeBytes { raw in
      Result { () throws(JSONParseError) in try parse(raw, skipping: filter) }
    }.get()
  }

  /// Parses exactly one JSON value, leaving out the object members `filter` names (see
  /// `parse(_:skipping:)` on raw bytes).
  public static func parse(_ bytes: [UInt8], skipping filter: JSONMemberFilter) throws(JSONParseError)
    -> JSONValue
  {
    try bytes.withUnsafeBytes { raw in
      Result { () throws(JSONParseError) in try parse(raw, skipping: filter) }
    }.get()
  }

  /// Parses exactly one JSON value (surrounding whitespace allowed; trailing garbage is an error).
  ///
  /// Offsets in errors are UTF-8 byte offsets into `text`.
  public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
    var text = text
    return try text.withUTF8 { utf8 in
      Result { () throws(JSONParseError) in try parse(UnsafeRawBufferPointer(utf8)) }
    }.get()
  }
}

// MARK: - The parser

/// An array or object under construction: where its elements (and member names) start on the
/// parser's stacks. `keyStart` is negative for arrays.
struct JSONParserFrame {
  var valueStart: Int
  var keyStart: Int
  /// The level of the member filter that applies to this object, or -1.
  var filter: Int = -1
}

/// The parsing state for one document. Reads `bytes[0 ..< end]` only; every access is preceded by
/// an explicit bounds check in the parsing logic.
struct JSONByteParser: ~Copyable {
  let bytes: UnsafePointer<UInt8>
  let end: Int
  /// The offset of the next byte to read.
  var position = 0
  /// Finished values of every open array and object, innermost last.
  var values = JSONParserStack<JSONValue>(initialCapacity: 32)
  /// Finished member names of every open object, innermost last.
  var keys = JSONParserStack<String>(initialCapacity: 16)
  /// The open arrays and objects, innermost last.
  var frames = JSONParserStack<JSONParserFrame>(initialCapacity: 8)
  /// Where strings with escapes are decoded.
  var scratch = JSONParserByteBuffer()
  /// The member filter's tables, if any (see ``JSONMemberFilter``); kept alive by the caller.
  let filter: JSONMemberFilter.Compiled.Tables?
  /// The filter level for an object that is the value of the member just read (-1: none).
  var pendingFilter = -1
  /// The open containers of a value being skipped (`true` for objects), innermost last.
  var skipped = JSONParserStack<Bool>(initialCapacity: 16)

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

  init(bytes: UnsafePointer<UInt8>, count: Int, filter: JSONMemberFilter.Compiled.Tables? = nil) {
    self.bytes = bytes
    self.end = count
    self.filter = filter
  }

  /// Parses the whole input as one JSON value.
  ///
  /// Iterative, not recursive, so that nesting costs heap rather than call stack: each turn reads
  /// one value (or opens a container and moves on to its first element), then stores it in its
  /// container and closes every container that ends after it. The container steps are in
  /// JSONParserContainers.swift, each small enough to be inlined here (see there for why the
  /// loops themselves stay in this function).
  mutating func parseDocument() throws(JSONParseError) -> JSONValue {
    // Set for a member the filter skips: its value was checked, and is not stored.
    var drop = false
    nextValue: while true {
      var value: JSONValue
      skipWhitespace()
      guard position < end else { throw unexpectedEnd() }
      switch bytes[position] {
      case ASCII.quote:
        position &+= 1
        value = .string(try parseString())
      case ASCII.openBrace:
        guard let level = try openObject() else {
          value = .object(JSONObject())
          break
        }
        if try parseMemberName(filter: level) { continue nextValue }
        value = try skipMemberValue(drop: &drop)
      case ASCII.openBracket:
        if try openArray() { continue nextValue }
        value = .array([])
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
          try expectEndOfInput()
          return value
        }
        if drop {
          drop = false
        } else {
          values.push(consume value)
        }
        skipWhitespace()
        guard position < end else { throw unexpectedEnd() }
        let frame = frames.top
        let inObject = frame.keyStart >= 0
        if bytes[position] == ASCII.comma {
          position &+= 1
          guard inObject else { continue nextValue }
          skipWhitespace()
          if try parseMemberName(filter: frame.filter) { continue nextValue }
          value = try skipMemberValue(drop: &drop)
        } else {
          value = inObject ? try closeObject(frame) : try closeArray(frame)
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

  /// Throws if an array or object starting at the position would be nested too deeply (with
  /// `extra` containers open beyond ``frames``).
  @inline(__always)
  func checkDepth(extra: Int = 0) throws(JSONParseError) {
    guard frames.count &+ extra < JSONParser.maximumDepth else {
      throw JSONParseError(
        offset: position,
        reason: "nesting deeper than \(JSONParser.maximumDepth) arrays and objects"
      )
    }
  }

  /// Parses `"name"` and the `:` after it, leaving the position at the member's value. In an object
  /// the member filter applies to (`filter` is its level, else -1), returns `false` for a member
  /// to skip, whose name is then not stored.
  @inline(__always)
  mutating func parseMemberName(filter level: Int) throws(JSONParseError) -> Bool {
    guard position < end else { throw unexpectedEnd() }
    guard bytes[position] == ASCII.quote else { throw unexpectedByte("expected a member name string") }
    position &+= 1
    var keep = true
    if level < 0 {
      keys.push(try parseString())
    } else {
      keep = try parseFilteredMemberName(level: level)
    }
    skipWhitespace()
    guard position < end else { throw unexpectedEnd() }
    guard bytes[position] == ASCII.colon else { throw unexpectedByte("expected ':' after member name") }
    position &+= 1
    return keep
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
