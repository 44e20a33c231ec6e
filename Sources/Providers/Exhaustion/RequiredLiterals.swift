/// A cheap pre-filter for the exhaustion rules: for each rule, a piece of literal text every match
/// of its regular expression must contain, looked for in one pass over a text before any regex runs.
///
/// Almost every text fed to the rules (error messages, result texts, unreadable lines) matches none
/// of them, and running ICU's matcher on a text costs a UTF-16 conversion per rule. A rule whose
/// literal does not occur in a text cannot match it, so its regex is skipped.
///
/// The filter only ever errs towards running the regex:
/// - A literal is taken only from a pattern it can read with certainty: no alternation at the top
///   level, no inline flags (`(?x)` would make spaces insignificant), no `\Q…\E`, no escapes other
///   than punctuation and the common classes (`\d`, `\w`, `\s`, `\b`, …). Groups, classes, `.`
///   and quantified atoms end a literal run and are otherwise skipped. Any doubt: no literal, and
///   the rule's regex always runs.
/// - The literal is ASCII and compared ASCII-case-insensitively. Rules match case-insensitively with
///   full Unicode case folding, under which a non-ASCII character can stand for up to three ASCII
///   letters (`ﬃ` for "ffi", `K` for "k", `ß` for "ss", `İ` for "i" and a combining dot), so each
///   non-ASCII character of the text is a wildcard that may stand for zero to three characters of
///   a literal, each one of the letters such folds produce (``foldableLetters``).
struct RequiredLiterals: Sendable {
  /// For each byte value, the literal positions (bits) that byte can occupy.
  private let masks: [UInt64]
  /// The literal positions a non-ASCII character can occupy (those of ``foldableLetters``).
  private let foldable: UInt64
  /// The first position of every literal.
  private let starts: UInt64
  /// The last position of every literal.
  private let ends: UInt64
  /// For each rule, the bit of its literal's last position, or 0 when the rule has no literal.
  let ruleBits: [UInt64]

  /// Positions available to all literals together (one bit each).
  static let capacity = 64

  /// Every ASCII letter in the full case folding (CaseFolding.txt, statuses C and F) of a
  /// non-ASCII character: ß, ẞ → ss; ſ → s; K (Kelvin) → k; ﬀ, ﬁ, ﬂ, ﬃ, ﬄ, ﬅ, ﬆ → ff, fi, fl, ffi,
  /// ffl, st; İ → i + U+0307; ŉ → U+02BC + n; ǰ → j + U+030C; ẖ, ẗ, ẘ, ẙ, ẚ → h, t, w, y, a + a mark.
  static let foldableLetters: Set<UInt8> = Set("afhijklnstwy".utf8)

  init(patterns: [String?]) {
    let literals = patterns.map { $0.flatMap(Self.requiredLiteral(in:)) }
    let withLiteral = literals.filter { $0 != nil }.count
    let share = withLiteral == 0 ? 0 : max(4, Self.capacity / withLiteral)
    var masks = [UInt64](repeating: 0, count: 256)
    var foldable: UInt64 = 0
    var starts: UInt64 = 0
    var ends: UInt64 = 0
    var ruleBits: [UInt64] = []
    var next = 0
    for literal in literals {
      guard let literal else {
        ruleBits.append(0)
        continue
      }
      let piece = literal.prefix(share)
      guard next + piece.count <= Self.capacity else {
        ruleBits.append(0)
        continue
      }
      starts |= 1 << UInt64(next)
      for byte in piece {
        let bit: UInt64 = 1 << UInt64(next)
        masks[Int(byte)] |= bit
        if byte >= 0x61 && byte <= 0x7A { masks[Int(byte - 0x20)] |= bit }
        if Self.foldableLetters.contains(byte) { foldable |= bit }
        next += 1
      }
      let last: UInt64 = 1 << UInt64(next - 1)
      ends |= last
      ruleBits.append(last)
    }
    self.masks = masks
    self.foldable = foldable
    self.starts = starts
    self.ends = ends
    self.ruleBits = ruleBits
  }

  /// Whether any rule has a literal (otherwise ``occurring(in:)`` need not be called).
  var isEmpty: Bool { ends == 0 }

  /// The end bits (see ``ruleBits``) of the literals that may occur in `text`. A rule whose bit is
  /// absent cannot match `text`.
  func occurring(in text: String) -> UInt64 {
    guard ends != 0 else { return 0 }
    return text.withUTF8Bytes { bytes in
      masks.withUnsafeBufferPointer { masks in
        // Shift-and: bit k of `state` says the literal position k ends at the current character.
        var state: UInt64 = 0
        var seen: UInt64 = 0
        for byte in bytes {
          if byte < 0x80 {
            state = ((state &<< 1) | starts) & masks[Int(byte)]
          } else if byte >= 0xC0 {
            // The first byte of a non-ASCII character: it may fold to zero to three letters.
            let one = ((state &<< 1) | starts) & foldable
            let two = (one &<< 1) & foldable
            state |= one | two | ((two &<< 1) & foldable)
          } else {
            continue  // a continuation byte: the character was handled at its first byte
          }
          seen |= state
        }
        return seen & ends
      }
    }
  }

  // MARK: - Reading a literal out of a pattern

  /// The longest run of ASCII literal characters (lowercased) every match of `pattern` contains,
  /// or `nil` when there is none or the pattern uses syntax this reader does not follow.
  static func requiredLiteral(in pattern: String) -> [UInt8]? {
    let scalars = Array(pattern.unicodeScalars)
    if pattern.contains("\\Q") { return nil }
    var best: [UInt8] = []
    var run: [UInt8] = []
    func endRun() {
      if run.count > best.count { best = run }
      run = []
    }
    /// Adds the literal `scalar` (whose atom ends before `next`), minding a quantifier after it.
    func literal(_ scalar: Unicode.Scalar, at next: Int) -> Int? {
      let quantified = next < scalars.count && "*+?{".unicodeScalars.contains(scalars[next])
      if scalar.isASCII && !quantified {
        let byte = UInt8(scalar.value)
        run.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
        return next
      }
      endRun()
      return skipQuantifier(scalars, from: next)
    }
    var index = 0
    while index < scalars.count {
      let scalar = scalars[index]
      switch scalar {
      case "|", ")", "]", "}", "*", "+", "?", "{":
        return nil  // alternation, or syntax out of place: give up
      case "(":
        endRun()
        if index + 1 < scalars.count, scalars[index + 1] == "?" {
          // (?: (?= (?! (?< (?> are groups; anything else is a flag setting or a comment.
          guard index + 2 < scalars.count, ":=!<>".unicodeScalars.contains(scalars[index + 2]) else {
            return nil
          }
        }
        guard let end = skipGroup(scalars, from: index) else { return nil }
        guard let after = skipQuantifier(scalars, from: end) else { return nil }
        index = after
      case "[":
        endRun()
        guard let end = skipClass(scalars, from: index) else { return nil }
        guard let after = skipQuantifier(scalars, from: end) else { return nil }
        index = after
      case ".", "^", "$":
        endRun()
        guard let after = skipQuantifier(scalars, from: index + 1) else { return nil }
        index = after
      case "\\":
        guard index + 1 < scalars.count else { return nil }
        let escaped = scalars[index + 1]
        if escaped.isASCII && (escaped.properties.isAlphabetic || ("0"..."9").contains(escaped)) {
          // Only the common classes and boundaries; others (\x41, \cX, \p{…}, \1, …) are literals
          // or syntax this reader does not follow.
          guard "dDwWsSbB".unicodeScalars.contains(escaped) else { return nil }
          endRun()
          guard let after = skipQuantifier(scalars, from: index + 2) else { return nil }
          index = after
        } else {
          guard let after = literal(escaped, at: index + 2) else { return nil }
          index = after
        }
      default:
        guard let after = literal(scalar, at: index + 1) else { return nil }
        index = after
      }
    }
    endRun()

    return best.isEmpty ? nil : best
  }

  /// The index after the group opening at `start`, or `nil` if it does not close.
  private static func skipGroup(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
    var depth = 0
    var index = start
    while index < scalars.count {
      switch scalars[index] {
      case "\\": index += 1
      case "[":
        guard let end = skipClass(scalars, from: index) else { return nil }
        index = end
        continue
      case "(": depth += 1
      case ")":
        depth -= 1
        if depth == 0 { return index + 1 }
      default: break
      }
      index += 1
    }
    return nil
  }

  /// The index after the character class opening at `start` (nested sets allowed), or `nil` if it
  /// does not close or starts with a `]`.
  private static func skipClass(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
    var index = start + 1
    if index < scalars.count, scalars[index] == "^" { index += 1 }
    if index < scalars.count, scalars[index] == "]" { return nil }
    var depth = 1
    while index < scalars.count {
      switch scalars[index] {
      case "\\": index += 1
      case "[": depth += 1
      case "]":
        depth -= 1
        if depth == 0 { return index + 1 }
      default: break
      }
      index += 1
    }
    return nil
  }

  /// The index after a quantifier (`*`, `+`, `?`, `{…}`, each maybe lazy or possessive) at `start`,
  /// `start` itself when there is none, or `nil` for an unclosed `{`.
  private static func skipQuantifier(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
    guard start < scalars.count else { return start }
    var index = start
    switch scalars[index] {
    case "*", "+", "?": index += 1
    case "{":
      while index < scalars.count, scalars[index] != "}" { index += 1 }
      guard index < scalars.count else { return nil }
      index += 1
    default: return start
    }
    if index < scalars.count, scalars[index] == "?" || scalars[index] == "+" { index += 1 }
    return index
  }
}
