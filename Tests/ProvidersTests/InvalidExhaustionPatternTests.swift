import ProviderKit
import Testing

@testable import Providers

/// A rule whose pattern is not a valid regular expression (a typo in providers.json) matches its
/// text literally, case-insensitively — already on the first text, before anything compiled it.
@Suite struct InvalidExhaustionPatternTests {
  static let cases: [(pattern: String, text: String)] = [
    ("quota (exceeded", "Error: QUOTA (EXCEEDED for today"),
    ("usage limit)", "you hit the usage limit) again"),
    ("credits [left", "no credits [left on this plan"),
    ("rate\\.limit{", "429: rate\\.limit{ reached"),
    ("*out of tokens", "fatal: *out of tokens"),
  ]

  @Test(arguments: cases.indices)
  func anInvalidPatternMatchesLiterallyFromTheFirstText(_ index: Int) {
    let (pattern, text) = Self.cases[index]
    // Each pattern on its own list, next to a valid rule, so no earlier use compiled it.
    let rules = CompiledExhaustionRules.compiled([
      ExhaustionRule(pattern: "never seen \(index) here"), ExhaustionRule(pattern: pattern),
    ])
    #expect(rules.firstMatchIndex(in: text) == 1)
    #expect(rules.firstMatchIndex(in: "nothing of the sort") == nil)
  }
}
