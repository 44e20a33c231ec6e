import TestSupport
import Testing

@testable import JSONKit

// MARK: - Helpers

private func parse(_ text: String) throws(JSONParseError) -> JSONValue {
  try JSONParser.parse(text)
}

private func parseBytes(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
  try JSONParser.parse(bytes)
}

/// The error for `bytes`, or nil when they parse.
private func parseError(_ bytes: [UInt8]) -> JSONParseError? {
  do {
    _ = try JSONParser.parse(bytes)
    return nil
  } catch {
    return error
  }
}

private func parseError(_ text: String) -> JSONParseError? {
  parseError(Array(text.utf8))
}

/// `"` + bytes + `"`.
private func quoted(_ bytes: [UInt8]) -> [UInt8] {
  [0x22] + bytes + [0x22]
}

private let claudeLine = #"""
  {"type":"assistant","message":{"id":"msg_01AbC","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Here is the fix:\n\n```swift\nlet x = \"y\"\n```\nDone → ✓ 🎉"}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":14000,"output_tokens":345,"service_tier":"standard"}},"parent_tool_use_id":null,"session_id":"5f0e6a2c-0000-4c1e-9a7e-1234567890ab","uuid":"a1b2c3d4-e5f6-4711-8899-aabbccddeeff"}
  """#

private let codexLine = #"""
  {"type":"item.completed","item":{"id":"item_2","type":"command_execution","command":"bash -lc 'ls -la'","aggregated_output":"total 8\ndrwxr-xr-x  2 user user 4096 Jan  1 00:00 .\n\tcafé \"quoted\" \\ back\n","exit_code":0,"status":"completed"}}
  """#

// MARK: - Parsing valid JSON

@Suite("JSONParser")
struct JSONParserTests {
  @Test func parsesLiteralsAndWhitespace() throws {
    #expect(try parse("null") == .null)
    #expect(try parse("true") == .bool(true))
    #expect(try parse("false") == .bool(false))
    #expect(try parse(" \t\r\n true \n") == .bool(true))
    #expect(try parse("\"\"") == .string(""))
    #expect(try parse("[]") == .array([]))
    #expect(try parse("{}") == .object(JSONObject()))
    #expect(try parse("[ ]") == .array([]))
    #expect(try parse("{ \n}") == .object(JSONObject()))
    #expect(
      try parse(" [ 1 , \"a\" , { \"k\" : [ null ] } ] ")
        == .array([
          .number(1), .string("a"),
          .object(JSONObject(keys: ["k"], values: [.array([.null])])),
        ])
    )
  }

  @Test func parsesClaudeStreamJSONLine() throws {
    let value = try parse(claudeLine)
    #expect(value["type"]?.stringValue == "assistant")
    #expect(value["session_id"]?.stringValue == "5f0e6a2c-0000-4c1e-9a7e-1234567890ab")
    #expect(value["parent_tool_use_id"]?.isNull == true)
    let message = try #require(value["message"])
    #expect(message["usage"]?["cache_read_input_tokens"]?.intValue == 14000)
    #expect(message["stop_reason"] == .null)
    let text = message["content"]?[0]?["text"]?.stringValue
    #expect(text == "Here is the fix:\n\n```swift\nlet x = \"y\"\n```\nDone → ✓ 🎉")
    #expect(
      message.objectValue?.keys == [
        "id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage",
      ])
  }

  @Test func parsesCodexExecLine() throws {
    let value = try parse(codexLine)
    #expect(value["type"]?.stringValue == "item.completed")
    let item = try #require(value["item"])
    #expect(item["id"]?.stringValue == "item_2")
    #expect(item["exit_code"]?.intValue == 0)
    #expect(item["command"]?.stringValue == "bash -lc 'ls -la'")
    #expect(
      item["aggregated_output"]?.stringValue
        == "total 8\ndrwxr-xr-x  2 user user 4096 Jan  1 00:00 .\n\tcafé \"quoted\" \\ back\n"
    )
  }

  @Test func keepsMemberOrderAndDuplicates() throws {
    let object = try #require(try parse(#"{"b":1,"a":2,"b":3}"#).objectValue)
    #expect(object.keys == ["b", "a", "b"])
    #expect(object.values == [.number(1), .number(2), .number(3)])
    #expect(object["b"] == .number(1))
  }

  @Test func parsesLargeContainers() throws {
    let count = 10_000
    let text = "[" + (0..<count).map(String.init).joined(separator: ",") + "]"
    let array = try #require(try parse(text).arrayValue)
    #expect(array.count == count)
    #expect(array.last == .number(Double(count - 1)))
    let members = (0..<1000).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
    let object = try #require(try parse("{" + members + "}").objectValue)
    #expect(object.count == 1000)
    #expect(object["k999"] == .number(999))
    // Every small container size takes its own allocation path.
    for size in 0...12 {
      let elements = (0..<size).map { "[\($0),\"s\($0)\"]" }
      let parsed = try #require(try parse("[" + elements.joined(separator: ",") + "]").arrayValue)
      #expect(parsed.count == size)
      for (index, element) in parsed.enumerated() {
        #expect(element == .array([.number(Double(index)), .string("s\(index)")]))
      }
    }
  }

  @Test func entryPointsAgree() throws {
    let text = #"{"a":[1,2,{"b":"c"}]}"#
    let expected = try parse(text)
    #expect(try parseBytes(Array(text.utf8)) == expected)
    let padded: [UInt8] = Array("xx".utf8) + Array(text.utf8) + Array("yy".utf8)
    let slice = padded[2..<(padded.count - 2)]
    #expect(try JSONParser.parse(slice) == expected)
    let viaRaw = try Array(text.utf8).withUnsafeBytes { raw in
      try JSONParser.parse(raw)
    }
    #expect(viaRaw == expected)
    // Offsets count from the slice's start.
    let badPadded: [UInt8] = Array("xx[1,]".utf8)
    #expect(throws: JSONParseError(offset: 3, reason: "expected a JSON value, found ']'")) {
      try JSONParser.parse(badPadded[2...])
    }
    #expect(throws: JSONParseError(offset: 0, reason: "unexpected end of input")) {
      try JSONParser.parse(UnsafeRawBufferPointer(start: nil, count: 0))
    }
  }

  // MARK: Strings

  @Test func decodesSimpleEscapes() throws {
    #expect(try parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
    #expect(try parse(#""a\nb""#) == .string("a\nb"))
    #expect(try parse(#""\n""#) == .string("\n"))
    #expect(try parse(#""tail\\""#) == .string("tail\\"))
    #expect(try parse(#"{"k\"ey":"v"}"#)["k\"ey"] == .string("v"))
  }

  @Test func decodesUnicodeEscapes() throws {
    #expect(try parse(#""\u0041\u00e9\u00E9\u20AC\u0000""#) == .string("Aéé€\u{0}"))
    #expect(try parse(#""\u007f\u0080\u07ff\u0800\uffff""#) == .string("\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}"))
    // Surrogate pairs combine into one scalar.
    #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
    #expect(try parse(#""\uD83D\uDE00!""#) == .string("😀!"))
    #expect(try parse(#""\udbff\udfff""#) == .string("\u{10FFFF}"))
    #expect(try parse(#""\ud800\udc00""#) == .string("\u{10000}"))
    // Mixed with raw UTF-8.
    #expect(try parse(#""é\u00e9é""#) == .string("ééé"))
  }

  @Test func replacesUnpairedSurrogatesWithReplacementCharacter() throws {
    #expect(try parse(#""\ud83d""#) == .string("\u{FFFD}"))
    #expect(try parse(#""\ude00""#) == .string("\u{FFFD}"))
    #expect(try parse(#""a\ud83db""#) == .string("a\u{FFFD}b"))
    #expect(try parse(#""\ud83d\u0041""#) == .string("\u{FFFD}A"))
    #expect(try parse(#""\ud83d\ud83d\ude00""#) == .string("\u{FFFD}😀"))
    #expect(try parse(#""\ude00\ud83d""#) == .string("\u{FFFD}\u{FFFD}"))
    #expect(try parse(#""\ud83d\n""#) == .string("\u{FFFD}\n"))
    // A malformed escape after a high surrogate is still an error.
    #expect(parseError(#""\ud83d\u12""#) != nil)
  }

  @Test func acceptsRawUnicodeAndDelete() throws {
    let text = "aé日本語🎉\u{7F}\u{10FFFF}"
    #expect(try parseBytes(quoted(Array(text.utf8))) == .string(text))
  }

  @Test func parsesTwentyMegabyteStrings() throws {
    let length = 20 * 1024 * 1024
    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
    #expect(try parseBytes(quoted(bytes)).stringValue?.utf8.count == length)

    // With escapes and multi-byte characters sprinkled through.
    for index in stride(from: 1000, to: length - 8, by: 4096) {
      bytes[index] = UInt8(ascii: "\\")
      bytes[index + 1] = UInt8(ascii: "n")
      bytes[index + 2] = 0xC3
      bytes[index + 3] = 0xA9  // é
    }
    let value = try #require(try parseBytes(quoted(bytes)).stringValue)
    let escapes = (length - 8 - 1000 + 4095) / 4096
    #expect(value.utf8.count == length - escapes)
    #expect(value.utf8.filter { $0 == 0x0A }.count == escapes)

    // Unterminated, it fails cleanly.
    #expect(parseError([0x22] + bytes)?.reason == "unterminated string")
  }

  @Test func rejectsControlCharactersInStrings() throws {
    for byte in UInt8(0)..<0x20 {
      let error = parseError(quoted([UInt8(ascii: "a"), byte, UInt8(ascii: "b")]))
      #expect(error?.offset == 2, "byte \(byte)")
      #expect(error?.reason.hasPrefix("unescaped control character") == true)
      // Also after an escape (the slow path).
      #expect(parseError(quoted(Array(#"\n"#.utf8) + [byte])) != nil, "byte \(byte)")
      // And in a long string (the word-at-a-time path).
      #expect(parseError(quoted([UInt8](repeating: 0x61, count: 21) + [byte] + [0x61])) != nil)
    }
    #expect(try parseBytes(quoted([0x7F])) == .string("\u{7F}"))
  }

  @Test func rejectsNULBytesEverywhere() {
    #expect(parseError([0x00]) != nil)
    #expect(parseError(Array("[1,".utf8) + [0x00] + Array("2]".utf8)) != nil)
    #expect(parseError(Array("{}".utf8) + [0x00]) != nil)
    #expect(parseError(quoted([0x00])) != nil)
    #expect(parseError([0x00] + Array("null".utf8)) != nil)
  }

  @Test func rejectsBadEscapes() {
    for text in [
      #""\x""#, #""\a""#, #""\U0041""#, #""\u""#, #""\u1""#, #""\u12""#, #""\u123""#,
      #""\u12G4""#, #""\u{41}""#, #""\'""#, #""\0""#, #""\ ""#, #""\"#, #""ab\"#,
      "\"\\\u{E9}\"",
    ] {
      #expect(parseError(text) != nil, "\(text)")
    }
    #expect(parseError(#""\x""#) == JSONParseError(offset: 1, reason: "invalid escape sequence in string"))
  }

  @Test func rejectsInvalidUTF8InStrings() {
    let invalid: [[UInt8]] = [
      [0x80],  // lone continuation byte
      [0xBF],
      [0xC0, 0x80],  // overlong
      [0xC1, 0xBF],  // overlong
      [0xE0, 0x80, 0x80],  // overlong
      [0xE0, 0x9F, 0xBF],  // overlong
      [0xED, 0xA0, 0x80],  // surrogate U+D800
      [0xED, 0xBF, 0xBF],  // surrogate U+DFFF
      [0xF0, 0x80, 0x80, 0x80],  // overlong
      [0xF0, 0x8F, 0xBF, 0xBF],  // overlong
      [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
      [0xF5, 0x80, 0x80, 0x80],
      [0xF8, 0x88, 0x80, 0x80, 0x80],
      [0xFE], [0xFF],
      [0xE2, 0x82],  // truncated
      [0xF0, 0x9F, 0x98],  // truncated
      [0xC3],  // truncated
      [0xC3, 0x41],  // bad continuation
      [0xE2, 0x41, 0x82],
      [0xF0, 0x9F, 0x41, 0x80],
    ]
    for bytes in invalid {
      let short = quoted(bytes)
      #expect(parseError(short)?.reason == "invalid UTF-8 in string", "\(bytes)")
      // Inside long ASCII runs, after an escape, and as a member name.
      let padding = [UInt8](repeating: 0x61, count: 13)
      #expect(parseError(quoted(padding + bytes + padding)) != nil, "\(bytes)")
      #expect(parseError(quoted(Array(#"\n"#.utf8) + bytes + padding)) != nil, "\(bytes)")
      #expect(parseError([0x7B] + quoted(bytes) + Array(":1}".utf8)) != nil, "\(bytes)")
    }
    // Outside strings any non-ASCII byte is unexpected.
    #expect(parseError([0xEF, 0xBB, 0xBF] + Array("{}".utf8)) != nil)  // BOM
    #expect(parseError(Array("[1,".utf8) + [0xC3, 0xA9] + Array("]".utf8)) != nil)
  }

  @Test func utf8ValidatorMatchesStandardLibrary() {
    func check(_ bytes: [UInt8]) {
      let expected = String(validating: bytes, as: UTF8.self) != nil
      let actual = bytes.withUnsafeBufferPointer { JSONByteParser.isValidUTF8($0) }
      #expect(actual == expected, "\(bytes)")
      let vectorized = bytes.withUnsafeBufferPointer { JSONByteParser.isValidUTF8Vectorized($0) }
      #expect(vectorized == expected, "vectorized: \(bytes)")
      // The same bytes at every position of a sixteen-byte block, and straddling blocks.
      if bytes.count <= 4 {
        for padding in [14, 29] {
          let padded =
            [UInt8](repeating: 0x61, count: padding) + bytes + [UInt8](repeating: 0x62, count: padding % 7)
          let result = padded.withUnsafeBufferPointer { JSONByteParser.isValidUTF8Vectorized($0) }
          if result != expected { Issue.record("vectorized, padded by \(padding): \(bytes)") }
        }
      }
    }
    // Every one- and two-byte sequence.
    for first in 0...255 {
      check([UInt8(first)])
      for second in 0...255 { check([UInt8(first), UInt8(second)]) }
    }
    // Three- and four-byte sequences over every lead byte from 0xC0 and every second byte, with
    // interesting later bytes.
    let later: [UInt8] = [0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF]
    for lead in 0xC0...0xFF {
      for second in 0...255 {
        for third in later {
          check([UInt8(lead), UInt8(second), third])
          for fourth in [0x41, 0x80, 0xBF] as [UInt8] {
            check([UInt8(lead), UInt8(second), third, fourth])
          }
        }
      }
    }
    // Random sequences of mostly valid characters with corruption, across word boundaries.
    var generator = SeededGenerator(seed: 0x5EED_0F0F)
    let pieces: [[UInt8]] = [
      Array("a".utf8), Array("abcdefgh".utf8), Array("é".utf8), Array("€".utf8), Array("🎉".utf8),
      Array("日本".utf8), [0x80], [0xE2, 0x82], [0xF4, 0x90], [0xED, 0xA0, 0x80], [0xC0, 0xAF],
    ]
    for iteration in 0..<20_000 {
      var bytes: [UInt8] = []
      for _ in 0..<Int.random(in: 0...(iteration % 4 == 0 ? 40 : 12), using: &generator) {
        bytes += pieces[Int.random(in: 0..<pieces.count, using: &generator)]
      }
      check(bytes)
    }
  }

  // MARK: Numbers

  @Test func parsesNumbers() throws {
    let cases: [(String, Double)] = [
      ("0", 0), ("-0", -0.0), ("1", 1), ("-1", -1), ("123456789", 123_456_789),
      ("9007199254740992", 9_007_199_254_740_992), ("-9007199254740992", -9_007_199_254_740_992),
      ("1.5", 1.5), ("-0.25", -0.25), ("0.1", 0.1), ("3.14159", 3.14159),
      ("1e3", 1000), ("1E3", 1000), ("1e+3", 1000), ("1e-3", 0.001), ("2.5E-2", 0.025),
      ("0e0", 0), ("0.0", 0), ("-0.0e-0", -0.0), ("123.456e2", 12345.6),
      ("1e22", 1e22), ("1e23", 1e23), ("1e-22", 1e-22), ("1e-23", 1e-23),
      ("12345678901234567890", 12_345_678_901_234_567_890), ("1e308", 1e308),
      ("4.9406564584124654e-324", 4.9406564584124654e-324),
      ("2.2250738585072014e-308", 2.2250738585072014e-308),
      ("1.7976931348623157e308", 1.7976931348623157e308),
      ("3.141592653589793238462643383279502884197", Double.pi),
      ("0.000000000000000000000000000001", 1e-30),
      ("1e400", .infinity), ("-1e400", -.infinity), ("1e-400", 0), ("1e99999999999999999999", .infinity),
    ]
    for (text, expected) in cases {
      let value = try #require(try parse(text).doubleValue, "\(text)")
      #expect(value == expected, "\(text)")
      #expect(value.sign == expected.sign, "\(text)")
      // In containers too (terminated by a delimiter, not the end of input).
      #expect(try parse("[\(text)]") == .array([.number(expected)]), "\(text)")
      #expect(try parse("{\"n\":\(text)}")["n"] == .number(expected), "\(text)")
    }
    #expect(try parse("9007199254740993").doubleValue == 9_007_199_254_740_992)
    #expect(try parse("1700000000123").intValue == 1_700_000_000_123)
  }

  @Test func parsesVeryLongNumbers() throws {
    let digits = String(repeating: "7", count: 1_000_000)
    #expect(try parse(digits) == .number(.infinity))
    #expect(try parse("-" + digits) == .number(-.infinity))
    #expect(try parse("0." + digits).doubleValue == 0.7777777777777778)
    #expect(try parse("1" + String(repeating: "0", count: 100_000) + "e-100000") == .number(1))
    #expect(try parse("[1e-99999999999999999999]") == .array([.number(0)]))
  }

  @Test func numbersMatchStandardLibraryConversion() throws {
    var generator = SeededGenerator(seed: 42)
    func digits(_ range: ClosedRange<Int>) -> String {
      String(
        (0..<Int.random(in: range, using: &generator)).map { _ in
          Character(String(Int.random(in: 0...9, using: &generator)))
        })
    }
    for _ in 0..<20_000 {
      var text = Bool.random(using: &generator) ? "-" : ""
      let integer = digits(1...22)
      text += integer.count > 1 && integer.first == "0" ? "1" + integer.dropFirst() : integer
      if Bool.random(using: &generator) { text += "." + digits(1...22) }
      if Bool.random(using: &generator) {
        text += ["e", "E"].randomElement(using: &generator)!
        text += ["", "+", "-"].randomElement(using: &generator)!
        text += digits(1...3)
      }
      let expected = try #require(Double(text), "\(text)")
      #expect(try parse(text) == .number(expected), "\(text)")
    }
  }

  @Test func rejectsMalformedNumbers() {
    for text in [
      "01", "-01", "00", "0123", "-", "+1", "--1", "1.", "-.5", ".5", "1.e3", "1e", "1e+", "1E-",
      "0x10", "1_000", "NaN", "Infinity", "-Infinity", "1.5.2", "1e5e5", "- 1", "[01]", "[1.]",
      "{\"a\":-}", "1e+-2",
    ] {
      #expect(parseError(text) != nil, "\(text)")
    }
    #expect(parseError("01") == JSONParseError(offset: 0, reason: "leading zeros are not allowed in numbers"))
    #expect(parseError("[-01]")?.offset == 1)
  }

  // MARK: Structure errors

  @Test func rejectsMalformedDocuments() {
    let invalid = [
      "", " ", "\n", "tru", "nul", "fals", "truee", "nulll", "nulL", "True", "NULL", "t", "f", "n",
      "[", "]", "{", "}", "[1", "[1,", "[1,]", "[,1]", "[,]", "[1 2]", "[1,,2]", "[1;2]", "[1]]",
      "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,}", "{\"a\" 1}", "{\"a\":1 \"b\":2}", "{1:2}",
      "{a:1}", "{'a':1}", "{\"a\":1", "{\"a\"", "{\"a\":", "\"abc", "'abc'", "\"", "1 2",
      "{} x", "[] []", "null null", "{}}", "[1]x", "truex", "[true false]", "/* c */ 1", "// c\n1",
      "[\u{A0}]", "\u{FEFF}1", "{\"a\":1}\u{0}", "[\"a\":1]", "{\"a\",1}", "[1,\n]",
    ]
    for text in invalid {
      #expect(parseError(text) != nil, "\(text.debugDescription)")
    }
  }

  @Test func reportsErrorOffsetsAndReasons() {
    #expect(parseError("") == JSONParseError(offset: 0, reason: "unexpected end of input"))
    #expect(parseError("[1,2") == JSONParseError(offset: 4, reason: "unexpected end of input"))
    #expect(parseError("[1,]") == JSONParseError(offset: 3, reason: "expected a JSON value, found ']'"))
    #expect(
      parseError("[1 2]") == JSONParseError(offset: 3, reason: "expected ',' or ']' in array, found '2'"))
    #expect(
      parseError(#"{"a":1 "b":2}"#)
        == JSONParseError(offset: 7, reason: "expected ',' or '}' in object, found '\"'")
    )
    #expect(
      parseError("{1:2}") == JSONParseError(offset: 1, reason: "expected a member name string, found '1'"))
    #expect(
      parseError(#"{"a" 1}"#)
        == JSONParseError(offset: 5, reason: "expected ':' after member name, found '1'"))
    #expect(parseError("{} x") == JSONParseError(offset: 3, reason: "unexpected data after the JSON value"))
    #expect(parseError("nul") == JSONParseError(offset: 0, reason: "invalid literal, found 'n'"))
    #expect(parseError("\"abc") == JSONParseError(offset: 0, reason: "unterminated string"))
    #expect(
      parseError([0x5B, 0xFF]) == JSONParseError(offset: 1, reason: "expected a JSON value, found byte 0xFF"))
    let error = JSONParseError(offset: 7, reason: "unterminated string")
    #expect(error.description == "invalid JSON at byte 7: unterminated string")
  }

  @Test func rejectsEveryTruncationOfALine() {
    for line in [claudeLine, codexLine] {
      let bytes = Array(line.utf8)
      for length in 0..<bytes.count {
        #expect(parseError(Array(bytes[..<length])) != nil, "prefix of length \(length)")
      }
      #expect(parseError(bytes) == nil)
    }
  }

  // MARK: Nesting

  @Test func limitsNestingDepth() throws {
    let depth = JSONParser.maximumDepth
    let deepest = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    var value = try parse(deepest)
    var levels = 0
    while case .array(let inner) = value {
      levels += 1
      value = inner.first ?? .null
    }
    #expect(levels == depth)

    let tooDeep = String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)
    #expect(parseError(tooDeep)?.reason == "nesting deeper than 512 arrays and objects")
    #expect(parseError(tooDeep)?.offset == depth)  // the first bracket too many
    let tooDeepEmpty = String(repeating: "[", count: depth) + "{}" + String(repeating: "]", count: depth)
    #expect(parseError(tooDeepEmpty)?.offset == depth)

    let objects = String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
    #expect(parseError(objects) == nil)
    let tooDeepObjects =
      String(repeating: #"{"a":"#, count: depth + 1) + "1" + String(repeating: "}", count: depth + 1)
    #expect(parseError(tooDeepObjects) != nil)
    let mixed =
      String(repeating: #"[{"a":"#, count: depth / 2) + "1" + String(repeating: "}]", count: depth / 2)
    #expect(parseError(mixed) == nil)
  }

  @Test func survivesHugeNestingWithoutStackOverflow() {
    for opener in ["[", "{\"a\":", "[{\"b\":"] {
      let text = String(repeating: opener, count: 200_000)
      #expect(parseError(text)?.reason.hasPrefix("nesting deeper") == true)
    }
  }

  // MARK: Fuzzing

  @Test func randomGarbageNeverCrashes() throws {
    var generator = SeededGenerator(seed: 0xDEAD_BEEF)
    let tokens: [[UInt8]] = [
      "{", "}", "[", "]", ":", ",", "\"", "\\", "\\u", "\\ud83d", "\\ude00", "true", "false", "null",
      "0", "-", "1", "e", ".", " ", "\n", "é", "🎉", "\"key\"", "\"value\"", "12.5e-3",
    ].map { Array($0.utf8) }
    var parsed = 0
    for iteration in 0..<30_000 {
      var bytes: [UInt8] = []
      let length = Int.random(in: 0...48, using: &generator)
      if iteration % 3 == 0 {
        // Pure binary garbage.
        for _ in 0..<length { bytes.append(UInt8.random(in: 0...255, using: &generator)) }
      } else {
        // JSON-ish token soup with the odd random byte.
        for _ in 0..<length {
          if Int.random(in: 0..<10, using: &generator) == 0 {
            bytes.append(UInt8.random(in: 0...255, using: &generator))
          } else {
            bytes += tokens[Int.random(in: 0..<tokens.count, using: &generator)]
          }
        }
      }
      switch Result(catching: { () throws(JSONParseError) in try JSONParser.parse(bytes) }) {
      case .success(let value):
        parsed += 1
        // Whatever parses must survive a write/parse round trip.
        #expect(try parse(JSONWriter.string(value)) == value)
      case .failure(let error):
        #expect(error.offset >= 0 && error.offset <= bytes.count)
        #expect(!error.reason.isEmpty)
      }
    }
    #expect(parsed > 0)
  }

  @Test func mutatedLinesNeverCrash() throws {
    var generator = SeededGenerator(seed: 7)
    let lines = [Array(claudeLine.utf8), Array(codexLine.utf8)]
    for _ in 0..<5_000 {
      var bytes = lines[Int.random(in: 0..<2, using: &generator)]
      for _ in 0..<Int.random(in: 1...4, using: &generator) {
        let index = Int.random(in: 0..<bytes.count, using: &generator)
        switch Int.random(in: 0..<3, using: &generator) {
        case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
        case 1: bytes.remove(at: index)
        default: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: index)
        }
      }
      if let value = try? JSONParser.parse(bytes) {
        #expect(try parse(JSONWriter.string(value)) == value)
      }
    }
  }

  // MARK: Round trips

  @Test func roundTripsCompactText() throws {
    for text in [
      claudeLine, codexLine, "null", "true", "[]", "{}", "\"\"", "[1,-2,3.5,1e+300,-0.001]",
      #"{"a":{"b":{"c":[[],[{}],{"d":null}]}}}"#, #""\"\\\n\r\t\b\f\u0001\u001f/é😀""#,
      #"{"":""}"#, "[1.5e-07,123456789012]",
    ] {
      let value = try parse(text)
      #expect(JSONWriter.string(value) == text)
      #expect(try parse(JSONWriter.string(value)) == value)
    }
  }

  @Test func roundTripsGeneratedValues() throws {
    var generator = SeededGenerator(seed: 99)
    let strings = ["", "a", "é", "line\nbreak", "\"q\"", "back\\slash", "\u{0}\u{1F}\u{7F}", "😀", "/"]
    func make(_ depth: Int) -> JSONValue {
      switch Int.random(in: 0..<(depth > 3 ? 4 : 7), using: &generator) {
      case 0: return .null
      case 1: return .bool(Bool.random(using: &generator))
      case 2:
        let numbers: [Double] = [
          0, 1, -1, 0.5, 1e21, 1e-7, 123_456_789, Double.random(in: -1e6...1e6, using: &generator),
          Double(Int.random(in: -1_000_000...1_000_000, using: &generator)), .greatestFiniteMagnitude,
          .leastNonzeroMagnitude, 9.5e18, 1e300,
        ]
        return .number(numbers.randomElement(using: &generator)!)
      case 3:
        return .string(strings.randomElement(using: &generator)! + strings.randomElement(using: &generator)!)
      case 4, 5:
        return .array((0..<Int.random(in: 0...10, using: &generator)).map { _ in make(depth + 1) })
      default:
        let count = Int.random(in: 0...10, using: &generator)
        return .object(
          JSONObject(
            keys: (0..<count).map { _ in strings.randomElement(using: &generator)! },
            values: (0..<count).map { _ in make(depth + 1) }
          ))
      }
    }
    for _ in 0..<2_000 {
      let value = make(0)
      #expect(try parse(JSONWriter.string(value)) == value)
    }
  }

  // MARK: Writer

  @Test func writerEscapesStrings() {
    #expect(JSONWriter.string(.string("a\"b\\c")) == #""a\"b\\c""#)
    #expect(JSONWriter.string(.string("\u{8}\u{C}\n\r\t")) == #""\b\f\n\r\t""#)
    #expect(JSONWriter.string(.string("\u{0}\u{1}\u{1F}\u{7F}")) == "\"\\u0000\\u0001\\u001f\u{7F}\"")
    #expect(JSONWriter.string(.string("/é日😀")) == "\"/é日😀\"")
    #expect(JSONWriter.string(.string("")) == #""""#)
    #expect(
      JSONWriter.string(.object(JSONObject(keys: ["k\"\n"], values: [.string("v")])))
        == #"{"k\"\n":"v"}"#
    )
  }

  @Test func writerFormatsNumbers() throws {
    #expect(JSONWriter.string(.number(3)) == "3")
    #expect(JSONWriter.string(.number(-42)) == "-42")
    #expect(JSONWriter.string(.number(0)) == "0")
    #expect(JSONWriter.string(.number(1_700_000_000_123)) == "1700000000123")
    #expect(JSONWriter.string(.number(1e17)) == "100000000000000000")
    #expect(JSONWriter.string(.number(0.5)) == "0.5")
    #expect(JSONWriter.string(.number(-0.25)) == "-0.25")
    #expect(JSONWriter.string(.number(0.1)) == "0.1")
    #expect(JSONWriter.string(.number(1e20)) == "1e+20")
    #expect(JSONWriter.string(.number(1e-7)) == "1e-07")
    #expect(JSONWriter.string(.number(.infinity)) == "1e999")
    #expect(JSONWriter.string(.number(-.infinity)) == "-1e999")
    #expect(try parse(JSONWriter.string(.number(-.infinity))) == .number(-.infinity))
    #expect(JSONWriter.string(.number(.nan)) == "null")
  }

  @Test func writerKeepsStructureAndOrder() {
    let value = JSONValue.object(
      JSONObject(
        keys: ["z", "a", "m"],
        values: [.array([.null, .bool(true), .bool(false)]), .object(JSONObject()), .array([])]
      ))
    #expect(JSONWriter.string(value) == #"{"z":[null,true,false],"a":{},"m":[]}"#)
  }
}
