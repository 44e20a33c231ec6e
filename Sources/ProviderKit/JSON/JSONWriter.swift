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
    return String(decoding: output, as: UTF8.self)
  }

  static func write(_ value: JSONValue, to output: inout [UInt8]) {
    switch value {
    case .null:
      output.append(contentsOf: "null".utf8)
    case .bool(let flag):
      output.append(contentsOf: flag ? "true".utf8 : "false".utf8)
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

  static func writeNumber(_ number: Double, to output: inout [UInt8]) {
    if number.isNaN {
      output.append(contentsOf: "null".utf8)
    } else if number.isInfinite {
      output.append(contentsOf: (number < 0 ? "-1e999" : "1e999").utf8)
    } else if abs(number) < 9.0e18, let integer = Int(exactly: number) {
      output.append(contentsOf: String(integer).utf8)
    } else {
      output.append(contentsOf: number.description.utf8)
    }
  }

  static func writeString(_ string: String, to output: inout [UInt8]) {
    output.append(UInt8(ascii: "\""))
    let handled: Void? = string.utf8.withContiguousStorageIfAvailable { utf8 in
      writeEscaped(utf8, to: &output)
    }
    if handled == nil {
      writeEscaped(Array(string.utf8), to: &output)
    }
    output.append(UInt8(ascii: "\""))
  }

  /// Appends `utf8`, escaping what RFC 8259 requires, copying unescaped runs in one go.
  static func writeEscaped(_ utf8: some Collection<UInt8>, to output: inout [UInt8]) {
    let hexDigits: StaticString = "0123456789abcdef"
    var runStart = utf8.startIndex
    var index = runStart
    while index != utf8.endIndex {
      let byte = utf8[index]
      guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
        utf8.formIndex(after: &index)
        continue
      }
      output.append(contentsOf: utf8[runStart..<index])
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
        output.append(contentsOf: "u00".utf8)
        hexDigits.withUTF8Buffer { digits in
          output.append(digits[Int(byte >> 4)])
          output.append(digits[Int(byte & 0xF)])
        }
      }
      utf8.formIndex(after: &index)
      runStart = index
    }
    output.append(contentsOf: utf8[runStart..<index])
  }
}
