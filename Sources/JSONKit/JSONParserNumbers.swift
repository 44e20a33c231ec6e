// Number parsing for `JSONByteParser`.
//
// The grammar is checked byte by byte while the significant digits accumulate in a `UInt64`. When
// they fit in 53 bits and the decimal exponent is within ±22, one exact `Double` multiplication or
// division gives the correctly rounded result (Clinger's fast path) — that covers integers, token
// counts, costs and durations. Anything else goes through the standard library's locale-independent,
// correctly rounding `Double(_: Substring)`.

extension JSONByteParser {
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
