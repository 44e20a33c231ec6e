// Member filtering for `JSONByteParser` (see `JSONMemberFilter`).
//
// A skipped member's value is checked by `skipValue()`, which walks the same grammar as
// `parseDocument()` in the same order and throws the same errors at the same offsets, but stores
// nothing: strings are scanned without being copied, containers are tracked as one flag each.

extension JSONByteParser {
  /// Reads a member name (opening quote consumed) of an object filtered at `level`. Returns `false`
  /// when the filter skips the member; otherwise stores the name and sets ``pendingFilter``.
  @inline(never)
  mutating func parseFilteredMemberName(level: Int) throws(JSONParseError) -> Bool {
    let filter = self.filter.unsafelyUnwrapped
    let start = position
    var highBits: UInt64 = 0
    let stop = findSpecialByte(from: start, highBits: &highBits)
    let action: Int?
    if stop < end && bytes[stop] == ASCII.quote {
      // No escapes: the name's bytes are as written. A name the filter knows is valid UTF-8.
      let name = UnsafeBufferPointer(start: bytes + start, count: stop &- start)
      action = filter.match(name, level: level)
      if action == -1 {
        position = stop &+ 1
        return false
      }
      let isASCII = highBits & 0x8080_8080_8080_8080 == 0
      guard isASCII || Self.isValidUTF8(name) else { throw invalidUTF8(at: start) }
      position = stop &+ 1
      keys.push(makeString(name, isASCII: isASCII))
    } else {
      // Escapes (or an error, which `parseString` reports): match the decoded name.
      var key = try parseString()
      action = key.withUTF8 { filter.match($0, level: level) }
      if action == -1 { return false }
      keys.push(key)
    }
    pendingFilter = action ?? -1
    return true
  }

  /// Checks the value at the position as ``parseDocument()`` would parse it, with the same errors,
  /// and moves past it without building anything.
  mutating func skipValue() throws(JSONParseError) {
    let base = skipped.count
    nextValue: while true {
      skipWhitespace()
      guard position < end else { throw unexpectedEnd() }
      switch bytes[position] {
      case ASCII.quote:
        position &+= 1
        try skipString()
      case ASCII.openBrace:
        try checkDepth(extra: skipped.count &- base)
        position &+= 1
        skipWhitespace()
        if position < end && bytes[position] == ASCII.closeBrace {
          position &+= 1
        } else {
          skipped.push(true)
          try skipMemberName()
          continue nextValue
        }
      case ASCII.openBracket:
        try checkDepth(extra: skipped.count &- base)
        position &+= 1
        skipWhitespace()
        if position < end && bytes[position] == ASCII.closeBracket {
          position &+= 1
        } else {
          skipped.push(false)
          continue nextValue
        }
      case 0x74:  // t
        try expectLiteral(0x6575_7274, length: 4)  // "true"
      case 0x66:  // f
        try expectLiteral(0x6573_6C61, length: 5)  // "alse" after the f
      case 0x6E:  // n
        try expectLiteral(0x6C6C_756E, length: 4)  // "null"
      case ASCII.minus, ASCII.zero...0x39:
        _ = try parseNumber()
      default:
        throw unexpectedByte("expected a JSON value")
      }

      // A value is complete: close as many containers as end here.
      while skipped.count > base {
        skipWhitespace()
        guard position < end else { throw unexpectedEnd() }
        let byte = bytes[position]
        if skipped.top {
          if byte == ASCII.comma {
            position &+= 1
            skipWhitespace()
            try skipMemberName()
            continue nextValue
          }
          guard byte == ASCII.closeBrace else { throw unexpectedByte("expected ',' or '}' in object") }
        } else {
          if byte == ASCII.comma {
            position &+= 1
            continue nextValue
          }
          guard byte == ASCII.closeBracket else { throw unexpectedByte("expected ',' or ']' in array") }
        }
        position &+= 1
        skipped.removeLast()
      }
      return
    }
  }

  /// Checks `"name"` and the `:` after it as ``parseMemberName(filter:)`` does, leaving the
  /// position at the member's value.
  mutating func skipMemberName() throws(JSONParseError) {
    guard position < end else { throw unexpectedEnd() }
    guard bytes[position] == ASCII.quote else { throw unexpectedByte("expected a member name string") }
    position &+= 1
    try skipString()
    skipWhitespace()
    guard position < end else { throw unexpectedEnd() }
    guard bytes[position] == ASCII.colon else { throw unexpectedByte("expected ':' after member name") }
    position &+= 1
  }
}
