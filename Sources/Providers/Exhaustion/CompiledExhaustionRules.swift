import Foundation
import ProviderKit
import Synchronization

/// A provider's exhaustion rules with their regular expressions compiled once.
///
/// Compiled sets are cached by rule list for the life of the process, so making a parser per run
/// (or per replay) costs no regex compilation after the first.
final class CompiledExhaustionRules: Sendable {
  /// One rule, ready to match.
  struct Rule: Sendable {
    /// The compiled pattern, or `nil` when the pattern is not a valid regular expression.
    let regex: NSRegularExpression?
    /// The pattern text; matched as a case-insensitive substring when it does not compile, so a
    /// user's typo in providers.json degrades to a literal match instead of silence.
    let pattern: String
    /// How to read the reset time out of a matching text.
    let reset: ExhaustionRule.ResetFormat?

    func matches(_ text: String) -> Bool {
      guard let regex else { return text.range(of: pattern, options: .caseInsensitive) != nil }
      let range = NSRange(location: 0, length: text.utf16.count)
      return regex.firstMatch(in: text, options: [], range: range) != nil
    }
  }

  /// The rules, in definition order.
  let rules: [Rule]
  /// A literal pre-filter: rules whose literal a text lacks are not run on it.
  let literals: RequiredLiterals

  private init(_ rules: [ExhaustionRule]) {
    self.rules = rules.map { rule in
      Rule(
        regex: try? NSRegularExpression(pattern: rule.pattern, options: [.caseInsensitive]),
        pattern: rule.pattern, reset: rule.reset)
    }
    // Only compiled patterns are filtered: the literal fallback of an invalid one is not a regex.
    literals = RequiredLiterals(patterns: self.rules.map { $0.regex == nil ? nil : $0.pattern })
  }

  /// Limit texts are short; a longer text is only searched in its first characters, which bounds
  /// the regex cost of a huge error line.
  static let searchedPrefixLength = 8192

  /// The index of the first rule that matches `text`, if any.
  func firstMatchIndex(in text: String) -> Int? {
    guard !rules.isEmpty, !text.isEmpty else { return nil }
    let searched =
      text.utf8.count > Self.searchedPrefixLength ? String(text.prefix(Self.searchedPrefixLength)) : text
    let occurring = literals.occurring(in: searched)
    for (index, rule) in rules.enumerated() {
      let bit = literals.ruleBits[index]
      if bit != 0 && occurring & bit == 0 { continue }
      if rule.matches(searched) { return index }
    }
    return nil
  }

  private static let cache = Mutex<[[ExhaustionRule]: CompiledExhaustionRules]>([:])

  /// The compiled form of `rules`, compiled on first use.
  static func compiled(_ rules: [ExhaustionRule]) -> CompiledExhaustionRules {
    cache.withLock { cache in
      if let compiled = cache[rules] { return compiled }
      let compiled = CompiledExhaustionRules(rules)
      if cache.count >= 64 { cache.removeAll() }
      cache[rules] = compiled
      return compiled
    }
  }
}
