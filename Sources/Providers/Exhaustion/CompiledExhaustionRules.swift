import Foundation
import ProviderKit
import Synchronization

/// A provider's exhaustion rules with their regular expressions compiled once, on first use.
///
/// Compiled sets are cached by rule list for the life of the process, so making a parser per run
/// (or per replay) costs no regex compilation after the first. A regex is compiled only when a text
/// gets past the literal pre-filter of its rule: a run that prints no limit-like text never loads
/// the regex engine (and the Unicode data it maps), which keeps a supervisor small.
final class CompiledExhaustionRules: Sendable {
  /// One rule, ready to match.
  final class Rule: Sendable {
    /// The pattern text; matched as a case-insensitive substring when it does not compile, so a
    /// user's typo in providers.json degrades to a literal match instead of silence.
    let pattern: String
    /// How to read the reset time out of a matching text.
    let reset: ExhaustionRule.ResetFormat?
    /// The compiled pattern once needed: `.some(nil)` when it is not a valid regular expression.
    private let regex = Mutex<NSRegularExpression??>(nil)

    init(pattern: String, reset: ExhaustionRule.ResetFormat?) {
      self.pattern = pattern
      self.reset = reset
    }

    /// Whether the pattern is known not to be a valid regular expression (it has been compiled).
    var isKnownInvalid: Bool { regex.withLock { $0 == .some(nil) } }

    func matches(_ text: String) -> Bool {
      let compiled = regex.withLock { cached in
        if let cached { return cached }
        let made = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
        cached = .some(made)
        return made
      }
      guard let compiled else { return text.range(of: pattern, options: .caseInsensitive) != nil }
      let range = NSRange(location: 0, length: text.utf16.count)
      return compiled.firstMatch(in: text, options: [], range: range) != nil
    }
  }

  /// The rules, in definition order.
  let rules: [Rule]
  /// The rules as given, which the cache compares.
  let source: [ExhaustionRule]
  /// A literal pre-filter: rules whose literal a text lacks are not run on it. It reads every
  /// pattern as a regular expression; a pattern found invalid (on first use) is not filtered after.
  let literals: RequiredLiterals

  private init(_ rules: [ExhaustionRule]) {
    self.rules = rules.map { Rule(pattern: $0.pattern, reset: $0.reset) }
    source = rules
    literals = RequiredLiterals(patterns: rules.map(\.pattern))
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
      if bit != 0 && occurring & bit == 0 && !rule.isKnownInvalid { continue }
      if rule.matches(searched) { return index }
    }
    return nil
  }

  /// The rule lists compiled so far, newest last: a process sees one per provider it runs, so a
  /// short list compared with `==` serves. (A dictionary keyed by `[ExhaustionRule]` made the
  /// runtime look up `Hashable` for the array and the rule — two scans of every conformance in the
  /// program, in every supervisor's start.)
  private static let cache = Mutex<[CompiledExhaustionRules]>([])

  /// The compiled form of `rules`, compiled on first use.
  static func compiled(_ rules: [ExhaustionRule]) -> CompiledExhaustionRules {
    cache.withLock { cache in
      if let compiled = cache.last(where: { $0.source == rules }) { return compiled }
      let compiled = CompiledExhaustionRules(rules)
      if cache.count >= 64 { cache.removeFirst() }
      cache.append(compiled)
      return compiled
    }
  }
}
