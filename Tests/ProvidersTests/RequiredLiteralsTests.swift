import Foundation
import ProviderKit
import Testing

@testable import Providers

/// The literal pre-filter of the exhaustion rules never hides a match the regex would find.
@Suite struct RequiredLiteralsTests {
  func literal(_ pattern: String) -> String? {
    RequiredLiterals.requiredLiteral(in: pattern).map { String(decoding: $0, as: UTF8.self) }
  }

  @Test func literalsOfTheBuiltInPatterns() {
    #expect(literal("You[’']ve hit your [^\\n]*limit") == "ve hit your ")
    #expect(literal("You[’']re out of (extra )?usage") == "re out of ")
    #expect(literal("Claude AI usage limit reached\\|\\d+") == "claude ai usage limit reached|")
    #expect(
      literal("Quota exceeded\\. Check your plan and billing")
        == "quota exceeded. check your plan and billing")
    #expect(literal("exhausted your (daily quota|capacity)") == "exhausted your ")
    #expect(literal("(standard|Droid Core) usage limit") == " usage limit")
    #expect(literal("usage_limit_reached") == "usage_limit_reached")
  }

  @Test func quantifiedAtomsAreNotRequired() {
    #expect(literal("abcx?def") == "abc")
    #expect(literal("abcx*defg") == "defg")
    #expect(literal("abcx{0,2}defg") == "defg")
    #expect(literal("ab\\.?cde") == "cde")
    #expect(literal("limits?") == "limit")
  }

  @Test func patternsThisReaderDoesNotFollowHaveNoLiteral() {
    #expect(literal("quota|limit") == nil)
    #expect(literal("(?x)usage limit") == nil)
    #expect(literal("(?i)usage limit") == nil)
    #expect(literal("\\Qa|b\\E usage") == nil)
    #expect(literal("\\x41BC usage") == nil)
    #expect(literal("\\p{L}usage") == nil)
    #expect(literal("(a)\\1usage") == nil)
    #expect(literal("[]a] usage") == nil)
    #expect(literal("usage (limit") == nil)
    #expect(literal("[^a") == nil)
    #expect(literal(".*") == nil)
  }

  /// Texts that must reach the regex: non-ASCII characters that case-fold to ASCII letters.
  @Test func foldingCharactersAreWildcards() throws {
    let patterns = [
      "usage limit", "office hours", "5-hour limit", "kelvin", "strasse", "stiff fish", "jahwtya",
    ]
    let texts = [
      "USAGE LIMIT reached", "uſage limit", "oﬃce hours", "5-hour \u{212A}limit", "\u{212A}elvin",
      "straße", "STRAẞE", "o\u{FB03}ce hours", "usage l\u{0130}mit", "nothing here", "usage li",
      "\u{FB06}i\u{FB00} \u{FB01}sh", "\u{01F0}\u{1E9A}\u{1E96}\u{1E98}\u{1E97}\u{1E99}\u{1E9A}",
    ]
    let literals = RequiredLiterals(patterns: patterns)
    var folded = 0
    for text in texts {
      let occurring = literals.occurring(in: text)
      for (index, pattern) in patterns.enumerated() {
        let regex = try NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
        let matches = regex.firstMatch(in: text, range: NSRange(location: 0, length: text.utf16.count)) != nil
        if matches {
          if !text.unicodeScalars.allSatisfy(\.isASCII) { folded += 1 }
          #expect(occurring & literals.ruleBits[index] != 0, "\(pattern) on \(text)")
        }
      }
    }
    #expect(folded >= 5)  // ICU folds "ﬃ" to "ffi", "ſ" to "s", "ß" to "ss", …
    #expect(literals.occurring(in: "nothing here") == 0)
    #expect(literals.occurring(in: "usage li") & literals.ruleBits[0] == 0)
    #expect(literals.occurring(in: "a Usage Limit b") & literals.ruleBits[0] != 0)
  }

  /// The letters a non-ASCII character may fold to are all in ``RequiredLiterals/foldableLetters``.
  @Test func foldableLettersCoverEveryCaseFolding() {
    var letters = Set<UInt8>()
    for value in 0x80...0x10FFFF {
      guard let scalar = Unicode.Scalar(value), scalar.properties.changesWhenCaseFolded else { continue }
      let folded = String(scalar).folding(options: .caseInsensitive, locale: nil)
      for unit in folded.utf8 where unit < 0x80 { letters.insert(unit | 0x20) }
    }
    #expect(letters.isSubset(of: RequiredLiterals.foldableLetters), "\(letters.sorted())")
    #expect(letters.count >= 8)  // the folding above does happen
  }

  /// Every built-in rule, on random texts made of its own pieces: the filter lets every match through.
  @Test func filterNeverHidesAMatchOfABuiltInRule() throws {
    let rules = try BuiltinProviders.definitions().flatMap(\.exhaustion)
    let patterns = rules.map(\.pattern)
    let literals = RequiredLiterals(patterns: patterns)
    let regexes = try patterns.map { try NSRegularExpression(pattern: $0, options: [.caseInsensitive]) }
    let pieces = [
      "You've hit your ", "You’re out of ", "usage", " limit", "LIMIT", "reached", "|1762952400",
      "Claude AI ",
      "Claude ", "5-hour", " extra ", "Quota exceeded. Check your plan and billing", "ﬃ", "ſ", "ß", "é", "\n",
      "Your workspace is out of credits", "You hit your spend cap", "exhausted your ", "daily quota",
      "capacity",
      "Droid Core", "standard", "reload your tokens", "quota has been exhausted", "TerminalQuotaError", "🚀",
    ]
    var state: UInt64 = 7
    func random(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
    var checked = 0
    for _ in 0..<3000 {
      var text = ""
      for _ in 0..<(1 + random(6)) { text += pieces[random(pieces.count)] }
      let occurring = literals.occurring(in: text)
      for index in patterns.indices {
        let range = NSRange(location: 0, length: text.utf16.count)
        guard regexes[index].firstMatch(in: text, range: range) != nil else { continue }
        checked += 1
        #expect(
          literals.ruleBits[index] == 0 || occurring & literals.ruleBits[index] != 0,
          "\(patterns[index]) on \(text)")
      }
    }
    #expect(checked > 100)
  }
}
