import Foundation
import ProviderKit

/// Recognises a run's usage-limit signals and reports each limit once.
///
/// Parsers feed it two kinds of signal: structured ones they recognise in code (Claude's
/// `rate_limit_event` with status `rejected`, Copilot's `quota` error, Gemini's
/// `TerminalQuotaError`, …) and error or result texts, which are matched against the provider's
/// ``ExhaustionRule``s. Assistant prose and tool output are never fed in, and neither are retry
/// notices: a retry is not an exhaustion.
///
/// A CLI often prints one limit several times (Claude: in `rate_limit_event`, in the synthetic
/// assistant message and in the result). A signal is reported only when it adds something: a
/// message not reported yet that carries a reset time more than ``sameResetTolerance`` away from
/// every reset already reported. An earlier structured reset time therefore wins over the
/// minute-precision one in a later text.
struct ExhaustionMonitor: Sendable {
  /// Reset times closer than this are the same limit printed twice (texts are minute-precision).
  static let sameResetTolerance: TimeInterval = 120

  private let rules: CompiledExhaustionRules
  /// The clock and time zone (looked up only when a reset time is read).
  private let context: ParserContext
  private var reported: [(message: String, resetAt: Date?)] = []
  /// Recent messages already reported or suppressed as repeats, newest last.
  private var considered: [String] = []
  /// Recent texts and the index of the rule each matched (`nil`: none), newest last.
  private var verdicts: [(text: String, rule: Int?)] = []

  /// Creates a monitor with the context's rules, clock and time zone.
  init(context: ParserContext) {
    rules = CompiledExhaustionRules.compiled(context.exhaustionRules)
    self.context = context
  }

  /// A reset-time parser for "now".
  var resetTimeParser: ResetTimeParser { ResetTimeParser(now: context.now(), timeZone: context.timeZone) }

  /// A limit recognised from structured fields. When `resetAt` is unknown and `message` matches a
  /// rule with a reset format, the reset is read from the message.
  mutating func structured(message: String, resetAt: Date?) -> AgentEvent.Kind? {
    if wasConsidered(message) { return nil }
    var resetAt = resetAt
    if resetAt == nil, let rule = matchingRule(message), let format = rule.reset {
      resetAt = resetTimeParser.resetDate(in: message, format: format)
    }
    return report(message: message, resetAt: resetAt)
  }

  /// Matches an error or result text against the rules; `knownResetAt` (from structured fields on
  /// the same line) is preferred over a reset read from the text.
  mutating func check(_ text: String, knownResetAt: Date? = nil) -> AgentEvent.Kind? {
    guard let rule = matchingRule(text), !wasConsidered(text) else { return nil }
    var resetAt = knownResetAt
    if resetAt == nil, let format = rule.reset {
      resetAt = resetTimeParser.resetDate(in: text, format: format)
    }
    return report(message: text, resetAt: resetAt)
  }

  /// The first rule matching `text`. CLIs repeat their error texts (Codex prints a failure as an
  /// `error` line and again in `turn.failed`), so recent verdicts are remembered.
  private mutating func matchingRule(_ text: String) -> CompiledExhaustionRules.Rule? {
    guard !rules.rules.isEmpty else { return nil }
    // Byte equality: cheaper than hashing (which normalizes non-ASCII text) for a handful of entries.
    if let known = verdicts.last(where: { $0.text.hasSameBytes(as: text) }) {
      return known.rule.map { rules.rules[$0] }
    }
    let index = rules.firstMatchIndex(in: text)
    if verdicts.count >= 8 { verdicts.removeFirst() }
    verdicts.append((text, index))
    return index.map { rules.rules[$0] }
  }

  /// Whether `message` was already reported, or judged a repeat of a reported limit.
  private func wasConsidered(_ message: String) -> Bool {
    let message = Self.shortened(message)
    return considered.contains { $0.hasSameBytes(as: message) }
  }

  /// Longer messages are cut here: a limit message is short, and an event should stay small even
  /// when the text came from a huge line.
  static let maximumMessageLength = 2000

  private static func shortened(_ message: String) -> String {
    message.utf8.count > maximumMessageLength ? String(message.prefix(maximumMessageLength)) + "…" : message
  }

  private mutating func report(message: String, resetAt: Date?) -> AgentEvent.Kind? {
    let message = Self.shortened(message)
    if considered.count >= 8 { considered.removeFirst() }
    considered.append(message)
    for earlier in reported {
      if earlier.message == message { return nil }
      // No reset time: nothing new beyond "the account is exhausted", already reported.
      guard let resetAt else { return nil }
      if let earlierReset = earlier.resetAt,
        abs(earlierReset.timeIntervalSince(resetAt)) < Self.sameResetTolerance
      {
        return nil
      }
    }
    reported.append((message, resetAt))
    return .exhausted(resetAt: resetAt, message: message)
  }
}

extension ExhaustionMonitor {
  /// A line a JSON dialect could not read: kept as `raw`. Such lines are usually the CLI's stderr
  /// (merged into the log), where some CLIs print their limit (Cursor), so the rules apply too.
  mutating func unreadableLine(_ line: ArraySlice<UInt8>, into events: inout EventList) {
    let text = DialectLine.text(of: line)
    events.append(.raw(text))
    events.append(check(text))
  }
}
