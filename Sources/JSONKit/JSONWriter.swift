/// Writes ``JSONValue`` trees as compact JSON text.
///
/// - Object members are written in their stored order, duplicates included.
/// - Strings escape `"`, `\` and the control characters U+0000–U+001F (as `\b`, `\f`, `\n`, `\r`,
///   `\t` or `\u00XX`); everything else, including non-ASCII text and `/`, is written as is.
/// - Integral numbers with magnitude below 9×10^18 are written as integers (`3`, not `3.0`); other
///   finite numbers use the shortest text that reads back as the same `Double` (`0.1`, `1e+20`).
///   JSON has no infinities: they are written as `1e999` / `-1e999`, which ``JSONParser`` (like
///   JavaScript and Python) reads back as infinity. NaN is written as `null`.
public enum JSONWriter {
  /// Compact JSON text (object members in order; strings escaped per RFC 8259; integral numbers
  /// without ".0").
  public static func string(_ value: JSONValue) -> String {
    var output: [UInt8] = []
    output.reserveCapacity(256)
    write(value, to: &output)
    return output.withUnsafeBufferPointer { utf8 in
      if #available(macOS 26, iOS 26, tvOS 26, watchOS 26, visionOS 26, *) {
        // Safe: the output is valid UTF-8 — the strings' own bytes, and ASCII around them — so it
        // need not be validated again; `isASCII` is exact.
        return String(copying: UTF8Span(unchecked: Span(_unsafeElements: utf8), isKnownASCII: isASCII(utf8)))
      }
      return String(decoding: utf8, as: UTF8.self)
    }
  }

  /// The same compact JSON text as UTF-8 bytes, for writing out without a `String` in between.
  ///
  /// - Parameter capacity: bytes to reserve up front (a good guess saves regrowing a large buffer).
  public static func bytes(_ value: JSONValue, reservingCapacity capacity: Int = 256) -> [UInt8] {
    var output: [UInt8] = []
    output.reserveCapacity(capacity)
    write(value, to: &output)
    return output
  }

  /// Whether every byte of `utf8` is below 0x80, eight bytes at a time.
  static func isASCII(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let base = utf8.baseAddress else { return true }
    let raw = UnsafeRawPointer(base)
    var high: UInt64 = 0
    var index = 0
    while utf8.count &- index >= 8 {
      high |= raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
      index &+= 8
    }
    while index < utf8.count {
      high |= UInt64(base[index])
      index &+= 1
    }
    return high & 0x8080_8080_8080_8080 == 0
  }

  static func write<Sink: JSONByteSink & ~Copyable>(_ value: JSONValue, to output: inout Sink) {
    switch value {
    case .null:
      output.append(literal: "null")
    case .bool(let flag):
      output.append(literal: flag ? "true" : "false")
    case .number(let number):
      writeNumber(number, to: &output)
    case .string(let string):
      writeString(string, to: &output)
    case .array(let elements):
      output.append(UInt8(ascii: "["))
      for (index, element) in elements.enumerated() {
        if index > 0 { output.append(UInt8(ascii: ",")) }
        write(element, to: &output)
      }
      output.append(UInt8(ascii: "]"))
    case .object(let object):
      output.append(UInt8(ascii: "{"))
      for index in object.keys.indices {
        if index > 0 { output.append(UInt8(ascii: ",")) }
        writeString(object.keys[index], to: &output)
        output.append(UInt8(ascii: ":"))
        write(object.values[index], to: &output)
      }
      output.append(UInt8(ascii: "}"))
    }
  }

  static func writeNumber<Sink: JSONByteSink & ~Copyable>(_ number: Double, to output: inout Sink) {
    if number.isNaN {
      output.append(literal: "null")
    } else if number.isInfinite {
      output.append(literal: number < 0 ? "-1e999" : "1e999")
    } else if abs(number) < 9.0e18, let integer = Int64(exactly: number) {
      writeInteger(integer, to: &output)
    } else {
      var text = number.description
      text.withUTF8 { output.append(contentsOf: $0) }
    }
  }

  /// The decimal digits of `integer`, without a `String` in between.
  static func writeInteger<Sink: JSONByteSink & ~Copyable>(_ integer: Int64, to output: inout Sink) {
    if integer < 0 { output.append(UInt8(ascii: "-")) }
    var magnitude = integer.magnitude
    guard magnitude >= 10 else {
      output.append(UInt8(ascii: "0") &+ UInt8(magnitude))
      return
    }
    // At most 20 digits, written backwards into a fixed buffer.
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
      var start = 20
      while magnitude > 0 {
        start &-= 1
        digits[start] = UInt8(ascii: "0") &+ UInt8(magnitude % 10)
        magnitude /= 10
      }
      output.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start..<20]))
    }
  }

  static func writeString<Sink: JSONByteSink & ~Copyable>(_ string: String, to output: inout Sink) {
    output.append(UInt8(ascii: "\""))
    // Native strings expose their bytes without a copy; others (small or bridged) are copied once.
    let done: Void? = string.utf8.withContiguousStorageIfAvailable { writeEscaped($0, to: &output) }
    if done == nil {
      var copy = string
      copy.withUTF8 { writeEscaped($0, to: &output) }
    }
    output.append(UInt8(ascii: "\""))
  }

  /// Appends `utf8`, escaping what RFC 8259 requires, copying unescaped runs in one go. Runs are
  /// found eight bytes at a time.
  static func writeEscaped<Sink: JSONByteSink & ~Copyable>(
    _ utf8: UnsafeBufferPointer<UInt8>, to output: inout Sink
  ) {
    guard let base = utf8.baseAddress else { return }
    let hexDigits: StaticString = "0123456789abcdef"
    let raw = UnsafeRawPointer(base)
    let count = utf8.count
    var runStart = 0
    var index = 0
    while index < count {
      if count &- index >= 8 {
        let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
        let mask = JSONByteParser.specialByteMask(word)
        if mask == 0 {
          index &+= 8
          continue
        }
        index &+= mask.trailingZeroBitCount &>> 3
      }
      let byte = base[index]
      guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
        index &+= 1
        continue
      }
      output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
      output.append(UInt8(ascii: "\\"))
      switch byte {
      case UInt8(ascii: "\""): output.append(UInt8(ascii: "\""))
      case UInt8(ascii: "\\"): output.append(UInt8(ascii: "\\"))
      case 0x08: output.append(UInt8(ascii: "b"))
      case 0x0C: output.append(UInt8(ascii: "f"))
      case 0x0A: output.append(UInt8(ascii: "n"))
      case 0x0D: output.append(UInt8(ascii: "r"))
      case 0x09: output.append(UInt8(ascii: "t"))
      default:
        output.append(literal: "u00")
        hexDigits.withUTF8Buffer { digits in
          output.append(digits[Int(byte >> 4)])
          output.append(digits[Int(byte & 0xF)])
        }
      }
      index &+= 1
      runStart = index
    }
    output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<count]))
  }
}
