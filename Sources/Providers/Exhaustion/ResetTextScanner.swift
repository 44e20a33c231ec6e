/// A case-insensitive, allocation-light view of a limit message for reading reset times.
///
/// Every Unicode scalar becomes one unit: ASCII as is, any whitespace (including the no-break
/// spaces some CLIs put before "PM") as a space, anything else as a non-letter placeholder. Numbers
/// are read digit by digit, so no locale can change their meaning.
struct ResetTextScanner {
  /// The units, original case.
  let units: [UInt8]

  /// A unit that stands for a non-ASCII, non-space scalar (`·`, `’`, `∙`, …).
  static let other: UInt8 = 0x80

  init(_ text: String) {
    var units: [UInt8] = []
    units.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      if scalar.isASCII {
        units.append(UInt8(scalar.value))
      } else if scalar.properties.isWhitespace {
        units.append(0x20)
      } else {
        units.append(Self.other)
      }
    }
    self.units = units
  }

  var count: Int { units.count }

  /// The lowercased unit at `index`, or 0 past the end.
  func lower(_ index: Int) -> UInt8 {
    guard index >= 0, index < units.count else { return 0 }
    let unit = units[index]
    return unit >= 0x41 && unit <= 0x5A ? unit | 0x20 : unit
  }

  func isLetter(_ index: Int) -> Bool {
    let unit = lower(index)
    return unit >= 0x61 && unit <= 0x7A
  }

  func isDigit(_ index: Int) -> Bool {
    guard index >= 0, index < units.count else { return false }
    return units[index] >= 0x30 && units[index] <= 0x39
  }

  func isSpace(_ index: Int) -> Bool { index < units.count && units[index] == 0x20 }

  /// Every index where `needle` (lowercase ASCII; a space matches one or more spaces) starts at a
  /// word boundary, in order.
  func occurrences(of needle: String) -> [Int] {
    let pattern = Array(needle.utf8)
    var found: [Int] = []
    var start = 0
    while start < units.count {
      if !isLetter(start - 1), match(pattern, at: start) != nil {
        found.append(start)
      }
      start += 1
    }
    return found
  }

  /// The index just past `pattern` when it matches at `index`.
  func match(_ pattern: [UInt8], at index: Int) -> Int? {
    var position = index
    var patternIndex = 0
    while patternIndex < pattern.count {
      let expected = pattern[patternIndex]
      if expected == 0x20 {
        guard isSpace(position) else { return nil }
        position = skipSpaces(position)
      } else {
        guard lower(position) == expected else { return nil }
        position += 1
      }
      patternIndex += 1
    }
    return position
  }

  /// The index just past the word `word` (lowercase) at `index`, when the whole word is there.
  func word(_ word: String, at index: Int) -> Int? {
    guard let end = match(Array(word.utf8), at: index), !isLetter(end) else { return nil }
    return end
  }

  func skipSpaces(_ index: Int) -> Int {
    var index = index
    while isSpace(index) { index += 1 }
    return index
  }

  /// Skips spaces and any of `punctuation` (ASCII).
  func skip(_ index: Int, spacesAnd punctuation: String) -> Int {
    var index = index
    let set = Array(punctuation.utf8)
    while index < units.count, units[index] == 0x20 || set.contains(units[index]) { index += 1 }
    return index
  }

  /// The run of letters at `index`, lowercased, and the index after it.
  func letters(at index: Int) -> (word: String, end: Int)? {
    var end = index
    while isLetter(end) { end += 1 }
    guard end > index else { return nil }
    return (String(decoding: (index..<end).map { lower($0) }, as: UTF8.self), end)
  }

  /// An unsigned integer of at most `maxDigits` digits at `index`.
  func integer(at index: Int, maxDigits: Int = 9) -> (value: Int, digits: Int, end: Int)? {
    var end = index
    var value = 0
    while isDigit(end) {
      guard end - index < maxDigits else { return nil }
      value = value * 10 + Int(units[end] - 0x30)
      end += 1
    }
    guard end > index else { return nil }
    return (value, end - index, end)
  }

  /// An unsigned decimal number (`12`, `12.5`) at `index`.
  func decimal(at index: Int) -> (value: Double, end: Int)? {
    guard let whole = integer(at: index) else { return nil }
    guard units.indices.contains(whole.end), units[whole.end] == UInt8(ascii: "."), isDigit(whole.end + 1)
    else { return (Double(whole.value), whole.end) }
    var end = whole.end + 1
    var fraction = 0.0
    var scale = 0.1
    while isDigit(end) {
      fraction += Double(units[end] - 0x30) * scale
      scale /= 10
      end += 1
    }
    return (Double(whole.value) + fraction, end)
  }

  /// The original-case text between `start` and `end`, trimmed of spaces.
  func text(_ start: Int, _ end: Int) -> String {
    var start = start
    var end = min(end, units.count)
    while start < end, units[start] == 0x20 { start += 1 }
    while end > start, units[end - 1] == 0x20 { end -= 1 }
    return String(decoding: units[start..<end], as: UTF8.self)
  }
}
