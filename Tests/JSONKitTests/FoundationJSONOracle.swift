import Foundation

@testable import JSONKit

/// A JSON value in a form both `JSONParser` and Foundation's `JSONSerialization` results convert to,
/// so the two can be compared: strings as UTF-8 bytes (not `String`, whose `==` is canonical
/// equivalence), numbers as `Double`, objects as dictionaries (Foundation keeps neither member order
/// nor duplicates).
indirect enum ComparableJSON: Equatable, CustomStringConvertible {
  case null
  case bool(Bool)
  case number(Double)
  case string([UInt8])
  case array([ComparableJSON])
  case object([[UInt8]: ComparableJSON])

  /// Our value. For a duplicated member name the last value wins, as in `JSONSerialization`;
  /// keeping every duplicate in order is our documented, intended difference.
  init(_ value: JSONValue) {
    switch value {
    case .null: self = .null
    case .bool(let bool): self = .bool(bool)
    case .number(let number): self = .number(number)
    case .string(let string): self = .string(Array(string.utf8))
    case .array(let elements): self = .array(elements.map(ComparableJSON.init))
    case .object(let object):
      var members: [[UInt8]: ComparableJSON] = [:]
      for (key, member) in zip(object.keys, object.values) {
        members[Array(key.utf8)] = ComparableJSON(member)
      }
      self = .object(members)
    }
  }

  /// A `JSONSerialization` result, or nil for a type it should never return.
  init?(foundation value: Any) {
    switch value {
    case is NSNull: self = .null
    case let number as NSNumber:
      // Foundation returns `true` and `false` as boolean NSNumbers (type encoding "c"); JSON numbers
      // come back as Int, UInt64, Double or NSDecimalNumber, never as "c".
      if String(cString: number.objCType) == "c" {
        self = .bool(number.boolValue)
      } else {
        self = .number(number.doubleValue)
      }
    case let string as String: self = .string(Array(string.utf8))
    case let array as [Any]:
      var elements: [ComparableJSON] = []
      for element in array {
        guard let converted = ComparableJSON(foundation: element) else { return nil }
        elements.append(converted)
      }
      self = .array(elements)
    case let dictionary as [String: Any]:
      var members: [[UInt8]: ComparableJSON] = [:]
      for (key, member) in dictionary {
        guard let converted = ComparableJSON(foundation: member) else { return nil }
        members[Array(key.utf8)] = converted
      }
      self = .object(members)
    default: return nil
    }
  }

  /// Whether any number is ±infinity (only ours produces those; see `FoundationJSONOracle`).
  var containsInfinity: Bool {
    switch self {
    case .number(let number): return number.isInfinite
    case .array(let elements): return elements.contains(where: \.containsInfinity)
    case .object(let members): return members.values.contains(where: \.containsInfinity)
    default: return false
    }
  }

  /// Equality where numbers may differ by a few units in the last place. Foundation converts numbers
  /// with more than about 19 significant digits through `Decimal`, whose `doubleValue` is not always
  /// correctly rounded; ours is (checked against `Double(_:)` in JSONParserTests).
  func matches(_ other: ComparableJSON) -> Bool {
    switch (self, other) {
    case (.number(let left), .number(let right)):
      return left == right || abs(left - right) <= 1e-14 * max(abs(left), abs(right))
    case (.array(let left), .array(let right)):
      return left.count == right.count && zip(left, right).allSatisfy { $0.matches($1) }
    case (.object(let left), .object(let right)):
      return left.count == right.count
        && left.allSatisfy { key, value in right[key].map(value.matches) ?? false }
    default:
      return self == other
    }
  }

  var description: String {
    switch self {
    case .null: return "null"
    case .bool(let bool): return "\(bool)"
    case .number(let number): return "\(number)"
    case .string(let bytes): return String(decoding: bytes, as: UTF8.self).debugDescription
    case .array(let elements): return "[" + elements.map(\.description).joined(separator: ",") + "]"
    case .object(let members):
      return "{"
        + members.map {
          String(decoding: $0.key, as: UTF8.self).debugDescription + ":" + $0.value.description
        }
        .sorted().joined(separator: ",") + "}"
    }
  }
}

/// Foundation's `JSONSerialization` (with `.fragmentsAllowed`) as an independent oracle for
/// `JSONParser`.
enum FoundationJSONOracle {
  /// Foundation's value for `bytes`, or nil when it rejects them.
  ///
  /// Unpaired UTF-16 surrogate escapes in strings are first rewritten to `\uFFFD` (same length, so
  /// the structure is unchanged): ours decodes them to U+FFFD by design (see `JSONParser`), where
  /// Foundation rejects the document.
  static func parse(_ bytes: [UInt8]) -> ComparableJSON? {
    let input = replacingUnpairedSurrogateEscapes(bytes)
    guard
      let object = try? JSONSerialization.jsonObject(with: Data(input), options: [.fragmentsAllowed])
    else { return nil }
    return ComparableJSON(foundation: object)
  }

  /// Whether Foundation may read `bytes` as something other than UTF-8: it skips a UTF-8 byte order
  /// mark and guesses UTF-16 or UTF-32 from NUL bytes among the first four, while ours reads UTF-8
  /// only and rejects a BOM and NUL bytes outside strings (intended; see `JSONParser`).
  static func mayDetectAnotherEncoding(_ bytes: [UInt8]) -> Bool {
    bytes.starts(with: [0xEF, 0xBB, 0xBF]) || bytes.prefix(4).contains(0)
  }

  /// `bytes` without the commas (outside strings) that are followed only by whitespace and then `]` or
  /// `}`. Foundation accepts such trailing commas, which RFC 8259 (and ours) rejects.
  static func removingTrailingCommas(_ bytes: [UInt8]) -> [UInt8] {
    var output: [UInt8] = []
    var index = 0
    var inString = false
    while index < bytes.count {
      let byte = bytes[index]
      if inString {
        if byte == 0x5C, index + 1 < bytes.count {
          output += [byte, bytes[index + 1]]
          index += 2
          continue
        }
        inString = byte != 0x22
      } else if byte == 0x22 {
        inString = true
      } else if byte == 0x2C {
        var next = index + 1
        while next < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[next]) { next += 1 }
        if next < bytes.count, bytes[next] == 0x5D || bytes[next] == 0x7D {
          index += 1
          continue
        }
      }
      output.append(byte)
      index += 1
    }
    return output
  }

  /// `bytes` with each `\u` escape of an unpaired surrogate inside a string replaced by `\uFFFD`.
  static func replacingUnpairedSurrogateEscapes(_ bytes: [UInt8]) -> [UInt8] {
    func hex(_ index: Int) -> UInt16? {
      guard index + 4 <= bytes.count else { return nil }
      var value: UInt16 = 0
      for byte in bytes[index..<(index + 4)] {
        guard let digit = Character(Unicode.Scalar(byte)).hexDigitValue else { return nil }
        value = value << 4 | UInt16(digit)
      }
      return value
    }
    func unicodeEscape(at index: Int) -> UInt16? {
      guard index + 1 < bytes.count, bytes[index] == 0x5C, bytes[index + 1] == 0x75 else { return nil }
      return hex(index + 2)
    }
    var output = bytes
    var index = 0
    var inString = false
    while index < bytes.count {
      let byte = bytes[index]
      if !inString {
        inString = byte == 0x22
        index += 1
      } else if byte == 0x22 {
        inString = false
        index += 1
      } else if byte != 0x5C {
        index += 1
      } else if let unit = unicodeEscape(at: index) {
        if (0xD800..<0xDC00).contains(unit), let low = unicodeEscape(at: index + 6),
          (0xDC00..<0xE000).contains(low)
        {
          index += 12
          continue
        }
        if (0xD800..<0xE000).contains(unit) {
          output.replaceSubrange((index + 2)..<(index + 6), with: Array("FFFD".utf8))
        }
        index += 6
      } else {
        index += 2
      }
    }
    return output
  }
}
