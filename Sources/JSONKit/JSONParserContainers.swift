// Arrays and objects for `JSONByteParser`.
//
// `parseDocument()` keeps open containers on ``JSONByteParser/frames`` instead of recursing. These
// are its steps: opening a container, skipping a filtered member's value, and closing a container
// into a value. They are inlined into `parseDocument()`, the hot loop. The optimizer honours
// `@inline(__always)` in a function that large only for helpers of at most 64 blocks (SIL basic
// blocks, after their own inlining), so each does one small thing, and the loops that tie them
// together stay in `parseDocument()`.

extension JSONByteParser {
  /// Opens the object at the position (`{`) and returns the member filter level for it (see
  /// ``JSONParserFrame/filter``), its frame pushed and its first member next; or reads an empty
  /// object `{}` whole and returns `nil`.
  @inline(__always)
  mutating func openObject() throws(JSONParseError) -> Int? {
    try checkDepth()
    position &+= 1
    skipWhitespace()
    if position < end && bytes[position] == ASCII.closeBrace {
      position &+= 1
      return nil
    }
    let level = filterLevelForNewObject()
    frames.push(JSONParserFrame(valueStart: values.count, keyStart: keys.count, filter: level))
    return level
  }

  /// The member filter level of an object opening at the position, or -1: level 0 for the
  /// document itself when there is a filter; for the value of a member of a filtered object, the
  /// level the filter chose for that member; otherwise none.
  @inline(__always)
  func filterLevelForNewObject() -> Int {
    if frames.count == 0 { return filter == nil ? -1 : 0 }
    return frames.top.filter >= 0 && frames.top.keyStart >= 0 ? pendingFilter : -1
  }

  /// Opens the array at the position (`[`) and returns `true`, its frame pushed and its first
  /// element next; or reads an empty array `[]` whole and returns `false`.
  @inline(__always)
  mutating func openArray() throws(JSONParseError) -> Bool {
    try checkDepth()
    position &+= 1
    skipWhitespace()
    if position < end && bytes[position] == ASCII.closeBracket {
      position &+= 1
      return false
    }
    frames.push(JSONParserFrame(valueStart: values.count, keyStart: -1))
    return true
  }

  /// Checks the value of a member the filter skips (its name and `:` read), sets `drop` and
  /// returns the placeholder that completes the member: `drop` keeps it from being stored.
  @inline(__always)
  mutating func skipMemberValue(drop: inout Bool) throws(JSONParseError) -> JSONValue {
    try skipValue()
    drop = true
    return .null
  }

  /// Reads the `}` that must follow a member of the object `frame` when no `,` does, and returns
  /// the object, its members moved off the parser's stacks.
  @inline(__always)
  mutating func closeObject(_ frame: JSONParserFrame) throws(JSONParseError) -> JSONValue {
    guard bytes[position] == ASCII.closeBrace else { throw unexpectedByte("expected ',' or '}' in object") }
    position &+= 1
    frames.removeLast()
    let names = keys.popArray(from: frame.keyStart)
    return .object(JSONObject(keys: names, values: values.popArray(from: frame.valueStart)))
  }

  /// Reads the `]` that must follow an element of the array `frame` when no `,` does, and returns
  /// the array, its elements moved off the parser's stack.
  @inline(__always)
  mutating func closeArray(_ frame: JSONParserFrame) throws(JSONParseError) -> JSONValue {
    guard bytes[position] == ASCII.closeBracket else { throw unexpectedByte("expected ',' or ']' in array") }
    position &+= 1
    frames.removeLast()
    return .array(values.popArray(from: frame.valueStart))
  }

  /// Checks that only whitespace follows the document's value.
  @inline(__always)
  mutating func expectEndOfInput() throws(JSONParseError) {
    skipWhitespace()
    guard position == end else {
      throw JSONParseError(offset: position, reason: "unexpected data after the JSON value")
    }
  }
}
