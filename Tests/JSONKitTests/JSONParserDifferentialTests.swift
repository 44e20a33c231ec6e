import TestSupport
import Testing

@testable import JSONKit

/// A filter as plain data, applied to unfiltered results to get what a filtered parse must return.
private struct FilterSpec {
  var skipping: Set<String>
  var children: [String: FilterSpec] = [:]

  var filter: JSONMemberFilter {
    JSONMemberFilter(skipping: skipping, children: children.mapValues(\.filter))
  }

  func apply(_ value: JSONValue) -> JSONValue {
    guard case .object(let object) = value else { return value }
    var result = JSONObject()
    for (key, member) in zip(object.keys, object.values) {
      if skipping.contains(where: { Array($0.utf8) == Array(key.utf8) }) { continue }
      result.keys.append(key)
      if let child = children.first(where: { Array($0.key.utf8) == Array(key.utf8) })?.value {
        result.values.append(child.apply(member))
      } else {
        result.values.append(member)
      }
    }
    return .object(result)
  }
}

/// The parser against independent oracles, over generated valid and invalid input:
/// - Foundation's `JSONSerialization` accepts and rejects the same documents and reads the same
///   values, apart from the documented, intended differences listed in `checkAgainstFoundation`.
/// - A filtered parse (`parse(_:skipping:)`) returns the unfiltered value with the named members
///   removed (`FilterSpec.apply`), and for a document the unfiltered parse rejects, the same error
///   (offset and reason).
@Suite("JSONParser differential")
struct JSONParserDifferentialTests {
  static let lines: [String] = [
    #"{"type":"assistant","message":{"id":"msg_01AbC","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Here is the fix:\n\n```swift\nlet x = \"y\"\n```\nDone → ✓ 🎉 naïve résumé — \\path\\to\tab"}],"stop_reason":null,"usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":14000,"output_tokens":345}},"parent_tool_use_id":null,"session_id":"5f0e6a2c-0000-4c1e-9a7e-1234567890ab","uuid":"a1b2c3d4-e5f6-4711-8899-aabbccddeeff"}"#,
    #"{"type":"item.completed","item":{"id":"item_2","type":"command_execution","command":"bash -lc 'ls -la'","aggregated_output":"total 8\ndrwxr-xr-x  2 user user 4096 Jan  1 00:00 .\n\tcafé \"quoted\" \\ back\n\u00e9\ud83d\ude00\u0041","exit_code":0,"status":"completed"}}"#,
    #"{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_01","type":"tool_result","content":"ok ✓ 🚀 done","is_error":false}]},"tool_use_result":{"stdout":"a\u0000b\u001f\"","stderr":"","interrupted":false},"n":[1,-2.5,3e10,0.1,-0,1E-7]}"#,
    #"{"type":"system","subtype":"init","tools":["Bash","Read"],"mcp_servers":[{"name":"x","status":"ok"}],"nested":[[[]],{},[{}],{"a":{"b":{"c":[true,false,null]}}}]}"#,
  ]

  private static let filterSpec = FilterSpec(
    skipping: ["uuid", "tool_use_result", "n", "tools", "nested", "é", "key", "type\u{0}", "text"],
    children: [
      "message": FilterSpec(
        skipping: ["id", "usage", "role", "value"], children: ["a": FilterSpec(skipping: ["b"])]),
      "item": FilterSpec(skipping: ["text", "aggregated_output", "\"key\""]),
      "uuid": FilterSpec(skipping: ["never"]),
      "\"key\"": FilterSpec(skipping: ["\"value\""]),
    ])
  private static let filter = filterSpec.filter

  func check(_ bytes: [UInt8]) {
    let unfiltered = Result { () throws(JSONParseError) in try JSONParser.parse(bytes) }
    checkAgainstFoundation(unfiltered, bytes)
    let filtered = Result { () throws(JSONParseError) in try JSONParser.parse(bytes, skipping: Self.filter) }
    switch (unfiltered.map(Self.filterSpec.apply), filtered) {
    case (.success(let expected), .success(let actual)):
      #expect(expected == actual, "\(bytes)")
    case (.failure(let expected), .failure(let actual)):
      #expect(expected == actual, "\(bytes)")
    case (let expected, let actual):
      Issue.record("unfiltered \(expected), filtered \(actual) for \(bytes)")
    }
  }

  /// Compares our result with `JSONSerialization`'s. Intended differences (see `JSONParser`):
  /// - An unpaired surrogate `\u` escape decodes to U+FFFD in ours; Foundation rejects it. Handled by
  ///   rewriting such escapes to `\uFFFD` for Foundation (`FoundationJSONOracle.parse`).
  /// - A number beyond `Double`'s range is ±infinity in ours; Foundation rejects it.
  /// - Ours reads UTF-8 only: Foundation skips a leading byte order mark and reads input with NUL
  ///   bytes among the first four as UTF-16 or UTF-32, where ours rejects the BOM and the NULs.
  /// - Foundation accepts trailing commas (`[1,]`, `{"a":1,}`), which RFC 8259 forbids; ours rejects
  ///   them, and must accept the same document without them.
  /// - Duplicate member names are all kept, in order, in ours; Foundation keeps the last one (the
  ///   comparable form keeps the last one too), and its dictionaries have no order.
  /// Nesting deeper than `JSONParser.maximumDepth` (512) needs no exception: Foundation's limit is
  /// the same.
  func checkAgainstFoundation(_ ours: Result<JSONValue, JSONParseError>, _ bytes: [UInt8]) {
    let foundation = FoundationJSONOracle.parse(bytes)
    switch (ours, foundation) {
    case (.success(let value), .some(let expected)):
      let actual = ComparableJSON(value)
      #expect(actual.matches(expected), "ours \(actual), Foundation \(expected) for \(bytes)")
    case (.success(let value), .none):
      #expect(
        ComparableJSON(value).containsInfinity, "ours accepts \(value), Foundation rejects \(bytes)")
    case (.failure(let error), .some(let expected)):
      if FoundationJSONOracle.mayDetectAnotherEncoding(bytes) { return }
      // Foundation accepts trailing commas: without them, ours must accept the same value.
      let stripped = FoundationJSONOracle.removingTrailingCommas(bytes)
      let value = try? JSONParser.parse(stripped)
      #expect(
        stripped != bytes && value.map { ComparableJSON($0).matches(expected) } == true,
        "ours rejects (\(error)), Foundation accepts \(expected) for \(bytes)")
    case (.failure, .none):
      break
    }
  }

  /// The writer escapes strings like the plain byte-by-byte escaper it replaced.
  @Test func writerEscapesLikeAPlainEscaper() {
    func reference(_ string: String) -> String {
      var output = "\""
      for scalar in string.unicodeScalars {
        switch scalar {
        case "\"": output += "\\\""
        case "\\": output += "\\\\"
        case "\u{8}": output += "\\b"
        case "\u{C}": output += "\\f"
        case "\n": output += "\\n"
        case "\r": output += "\\r"
        case "\t": output += "\\t"
        case "\u{0}"..."\u{1F}":
          let hex = String(scalar.value, radix: 16)
          output += "\\u00" + (hex.count == 1 ? "0" + hex : hex)
        default: output.unicodeScalars.append(scalar)
        }
      }
      return output + "\""
    }
    var generator = SeededGenerator(seed: 15)
    let pieces = [
      "a", "abcdefghijk", "\"", "\\", "\n", "\t", "\u{1}", "\u{1F}", "é", "🚀", "/", "\u{7F}", "\r\n",
    ]
    for _ in 0..<5_000 {
      var string = ""
      for _ in 0..<Int.random(in: 0...24, using: &generator) {
        string += pieces[Int.random(in: 0..<pieces.count, using: &generator)]
      }
      let written = JSONWriter.string(.string(string))
      #expect(written == reference(string), "\(string.debugDescription)")
      #expect(Array(written.utf8) == Array(reference(string).utf8))
    }
  }

  @Test func escapeTableDecodesTheOneCharacterEscapes() {
    let expected: [UInt8: UInt8] = [
      0x22: 0x22, 0x5C: 0x5C, 0x2F: 0x2F, 0x62: 0x08, 0x66: 0x0C, 0x6E: 0x0A, 0x72: 0x0D, 0x74: 0x09,
    ]
    #expect(JSONByteParser.escapeTable.utf8CodeUnitCount == 128)
    for byte in 0...255 {
      #expect(JSONByteParser.simpleEscape(UInt8(byte)) == expected[UInt8(byte)] ?? 0, "\(byte)")
    }
  }

  @Test func filterLeavesOutNamedMembers() throws {
    let text =
      #"{"a":1,"uuid":{"x":[1,{"y":"z"}]},"message":{"id":"m","role":"r","keep":[{"id":1}],"a":{"b":2,"c":3}},"item":{"text":"t","other":"o"},"list":[{"uuid":1}],"u\u0075id":"escaped"}"#
    let value = try JSONParser.parse(Array(text.utf8), skipping: Self.filter)
    let expected = try JSONParser.parse(
      #"{"a":1,"message":{"keep":[{"id":1}],"a":{"c":3}},"item":{"other":"o"},"list":[{"uuid":1}]}"#)
    #expect(value == expected)
    // Only objects are filtered: an array or a scalar at the top is returned whole.
    #expect(
      try JSONParser.parse(Array(#"[{"uuid":1}]"#.utf8), skipping: Self.filter)
        == JSONParser.parse(#"[{"uuid":1}]"#))
    // A skipped member's value is still checked.
    #expect(throws: JSONParseError.self) {
      try JSONParser.parse(Array(#"{"uuid":[1,]}"#.utf8), skipping: Self.filter)
    }
    #expect(throws: JSONParseError.self) {
      try JSONParser.parse(Array("{\"uuid\":\"\u{1}\"}".utf8), skipping: Self.filter)
    }
  }

  @Test func skippedValuesCountTowardsTheDepthLimit() {
    let depth = JSONParser.maximumDepth
    for extra in -1...1 {
      let inner = depth - 1 + extra
      let text =
        #"{"uuid":"# + String(repeating: "[", count: inner) + String(repeating: "]", count: inner) + "}"
      check(Array(text.utf8))
      let objects =
        #"{"uuid":"# + String(repeating: #"{"a":"#, count: inner) + "1" + String(repeating: "}", count: inner)
        + "}"
      check(Array(objects.utf8))
    }
  }

  @Test func sampleLinesAndEveryTruncation() {
    for line in Self.lines {
      let bytes = Array(line.utf8)
      check(bytes)
      for length in 0..<bytes.count { check(Array(bytes[..<length])) }
    }
  }

  @Test func mutatedLines() {
    var generator = SeededGenerator(seed: 11)
    let lines = Self.lines.map { Array($0.utf8) }
    let inserts: [[UInt8]] = [
      [0x80], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xED, 0xA0, 0x80], [0xC0, 0xAF],
      [0xF4, 0x90, 0x80, 0x80],
      [0xFF], Array(#"\"#.utf8), Array(#"\u"#.utf8), Array(#"\ud83d"#.utf8), Array(#"\x"#.utf8), [0x00],
      [0x0A],
      Array("\"".utf8), Array("é".utf8), Array("🎉".utf8), Array("{".utf8), Array("]".utf8), Array(",".utf8),
    ]
    for _ in 0..<20_000 {
      var bytes = lines[Int.random(in: 0..<lines.count, using: &generator)]
      for _ in 0..<Int.random(in: 1...3, using: &generator) {
        let index = Int.random(in: 0..<bytes.count, using: &generator)
        switch Int.random(in: 0..<4, using: &generator) {
        case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
        case 1: bytes.remove(at: index)
        case 2: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: index)
        default:
          bytes.insert(contentsOf: inserts[Int.random(in: 0..<inserts.count, using: &generator)], at: index)
        }
      }
      check(bytes)
    }
  }

  @Test func stringSoup() {
    var generator = SeededGenerator(seed: 12)
    let pieces: [[UInt8]] = [
      Array("a".utf8), Array("abcdefghijklmnop".utf8), Array("é".utf8), Array("€".utf8), Array("🎉".utf8),
      Array("日本".utf8), [0x80], [0xE2, 0x82], [0xF4, 0x90], [0xED, 0xA0, 0x80], [0xC0, 0xAF],
      [0xF0, 0x9F, 0x98],
      Array(#"\n"#.utf8), Array(#"\""#.utf8), Array(#"\\"#.utf8), Array(#"\/"#.utf8), Array(#"\u00e9"#.utf8),
      Array(#"\ud83d\ude00"#.utf8), Array(#"\ud83d"#.utf8), Array(#"\udc00"#.utf8), Array(#"\u12"#.utf8),
      Array(#"\q"#.utf8), [0x09], [0x1F], [0x7F], Array("\"".utf8), [0x5C],
    ]
    for _ in 0..<30_000 {
      var body: [UInt8] = []
      for _ in 0..<Int.random(in: 0...14, using: &generator) {
        body += pieces[Int.random(in: 0..<pieces.count, using: &generator)]
      }
      check([0x22] + body + [0x22])
      check(Array(#"{""#.utf8) + body + Array(#"":["#.utf8) + [0x22] + body + Array(#"",1]}"#.utf8))
    }
  }

  @Test func tokenSoup() {
    var generator = SeededGenerator(seed: 13)
    let tokens: [[UInt8]] = [
      "{", "}", "[", "]", ":", ",", "\"", "\\", "\\u", "\\ud83d", "\\ude00", "true", "false", "null", "tru",
      "0", "-", "1", "e", ".", " ", "\n", "é", "🎉", "\"key\"", "\"value\"", "12.5e-3", "\"type\"", "\"uuid\"",
      "\"message\"", "\"usage\"", "\"tool_use_result\"", "\"content\"", "\"input\"",
    ].map { Array($0.utf8) }
    for _ in 0..<30_000 {
      var bytes: [UInt8] = []
      for _ in 0..<Int.random(in: 0...40, using: &generator) {
        if Int.random(in: 0..<12, using: &generator) == 0 {
          bytes.append(UInt8.random(in: 0...255, using: &generator))
        } else {
          bytes += tokens[Int.random(in: 0..<tokens.count, using: &generator)]
        }
      }
      check(bytes)
    }
  }

  @Test func longStringsAcrossWordBoundaries() {
    var generator = SeededGenerator(seed: 14)
    let pieces: [[UInt8]] = [
      Array("the quick brown fox ".utf8), Array("naïve ".utf8), Array("— ".utf8), Array("🚀".utf8),
      Array(#"\n"#.utf8), Array(#"\"quoted\""#.utf8), Array(#"path\\to"#.utf8), Array(#"tab\there"#.utf8),
    ]
    for _ in 0..<3_000 {
      var body: [UInt8] = []
      for _ in 0..<Int.random(in: 20...200, using: &generator) {
        body += pieces[Int.random(in: 0..<pieces.count, using: &generator)]
      }
      if Int.random(in: 0..<3, using: &generator) == 0 {
        let index = Int.random(in: 0..<body.count, using: &generator)
        body[index] = UInt8.random(in: 0...255, using: &generator)
      }
      check(Array(#"{"text":""#.utf8) + body + Array(#"","n":1}"#.utf8))
    }
  }
}
