import JSONKit
import TestSupport
import Testing

/// `JSONOutput` writes, value by value, exactly the text `JSONWriter` writes for the same tree.
@Suite struct JSONOutputTests {
  /// Writes `value` through `JSONOutput`'s typed calls, as a caller with a fixed schema would.
  static func write(_ value: JSONValue, to output: inout JSONOutput) {
    switch value {
    case .null: output.string(nil)
    case .bool(let flag): output.bool(flag)
    case .number(let number): output.number(number)
    case .string(let text): output.string(text)
    case .array(let elements):
      output.beginArray()
      for element in elements { write(element, to: &output) }
      output.endArray()
    case .object:
      // Keys are static strings in `key(_:)`: a tree's object goes through `value(_:)`.
      output.value(value)
    }
  }

  static func randomText(_ generator: inout SeededGenerator) -> String {
    let pieces = ["a", "Zz", "\"", "\\", "\n", "\u{1}", "\u{1F}", "é", "日本", "🦀", " ", "/", "\u{7F}", ""]
    return (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)!
    }
    .joined()
  }

  static func randomScalar(_ generator: inout SeededGenerator) -> JSONValue {
    switch Int.random(in: 0..<6, using: &generator) {
    case 0: .null
    case 1: .bool(Bool.random(using: &generator))
    case 2: .number(Double(Int64.random(in: -(1 << 60)...(1 << 60), using: &generator)))
    case 3: .number(Double.random(in: -1e20...1e20, using: &generator))
    case 4:
      .number(
        [0, -0.0, 0.1, 1e-7, 1_796_218_343.2182288, .infinity, -.infinity, .nan][
          Int.random(in: 0..<8, using: &generator)])
    default: .string(randomText(&generator))
    }
  }

  @Test func scalarsAndArraysAreWrittenAsTheWriterWritesThem() {
    var generator = SeededGenerator(seed: 21)
    for _ in 0..<2_000 {
      let value = JSONValue.array(
        (0..<Int.random(in: 0...6, using: &generator)).map { _ in
          Bool.random(using: &generator)
            ? Self.randomScalar(&generator)
            : .array((0..<3).map { _ in Self.randomScalar(&generator) })
        })
      var output = JSONOutput(reservingCapacity: 1)
      Self.write(value, to: &output)
      #expect(output.bytes == JSONWriter.bytes(value), "\(JSONWriter.string(value))")
    }
  }

  @Test func objectsPlaceEveryCommaAndKey() {
    var output = JSONOutput()
    output.beginObject()
    output.key("name")
    output.string("fix \"it\"\n")
    output.key("list")
    output.strings(["a", "", "ü"])
    output.key("empty")
    output.beginArray()
    output.endArray()
    output.key("nested")
    output.beginObject()
    output.key("x")
    output.integer(Int32?.none)
    output.endObject()
    output.key("tree")
    output.value(.object(JSONObject(keys: ["k"], values: [.array([.bool(true), .null])])))
    output.key("flag")
    output.bool(false)
    output.endObject()
    let expected =
      #"{"name":"fix \"it\"\n","list":["a","","ü"],"empty":[],"nested":{"x":null},"tree":{"k":[true,null]},"flag":false}"#
    #expect(String(decoding: output.bytes, as: UTF8.self) == expected)
    #expect(output.count == expected.utf8.count)
  }

  static let integers: [Int64] = [
    .min, .max, 0, -1, 9, 10, -10, (1 << 53) - 1, 1 << 53, (1 << 53) + 1, -(1 << 53) - 1,
    9_000_000_000_000_000_000, 123_456_789_012,
  ]

  @Test(arguments: integers)
  func integersAreWrittenAsTheSameNumberInATree(_ value: Int64) {
    var output = JSONOutput()
    output.integer(value)
    #expect(output.bytes == JSONWriter.bytes(.number(Double(value))), "\(value)")
    var unsigned = JSONOutput()
    unsigned.integer(UInt64(bitPattern: value))
    #expect(unsigned.bytes == JSONWriter.bytes(.number(Double(UInt64(bitPattern: value)))))
  }

  @Test func utf8BytesAreWrittenAsTheStringTheyDecodeTo() {
    let samples: [[UInt8]] = [
      Array("plain".utf8), Array("quote \" back \\ tab \t".utf8), Array("ünïcode 日本".utf8),
      [0x61, 0xFF, 0x62], [0xC3], [0xE2, 0x82], [0x00, 0x1F, 0x7F], [],
    ]
    for sample in samples {
      var output = JSONOutput()
      sample.withUnsafeBufferPointer { output.string(utf8: $0) }
      #expect(output.bytes == JSONWriter.bytes(.string(String(decoding: sample, as: UTF8.self))), "\(sample)")
    }
  }

  @Test func aLargeOutputGrowsWithoutLosingAByte() {
    var output = JSONOutput(reservingCapacity: 16)
    var expected: [JSONValue] = []
    output.beginArray()
    for index in 0..<50_000 {
      let text = "item-\(index)-" + String(repeating: "x", count: index % 40)
      output.string(text)
      expected.append(.string(text))
    }
    output.endArray()
    #expect(output.bytes == JSONWriter.bytes(.array(expected)))
    output.withBytes { #expect($0.count == output.count) }
  }
}
