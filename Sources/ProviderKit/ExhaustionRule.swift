/// A data-driven rule that recognises an account's usage limit in a line of text a CLI printed.
///
/// Rules come from the provider definition (`exhaustion` in providers.json) so that a user can
/// teach multiagent a new limit message without recompiling. Parsers also recognise structured
/// signals (Claude's `rate_limit_event` with status `rejected`, Codex `usage_limit_reached`) in code.
public struct ExhaustionRule: Sendable, Hashable, Codable {
  /// A regular expression (case-insensitive) that must match the text.
  public var pattern: String
  /// How to read the reset time out of the text, if it carries one.
  public var reset: ResetFormat?
  /// Where the text was seen (a CLI version, an issue, a recorded transcript): the table of each
  /// provider's limit texts documents itself. Not used for matching.
  public var seen: String?

  /// Creates a rule.
  public init(pattern: String, reset: ResetFormat? = nil, seen: String? = nil) {
    self.pattern = pattern
    self.reset = reset
    self.seen = seen
  }

  /// The reset-time notations printed by the known CLIs.
  public enum ResetFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// Claude: `resets 9:09pm (UTC)`, `resets Nov 24, 2:43am (UTC)`, `resets Apr 23 at 4pm (America/Recife)`,
    /// `reset at 3pm (America/Santiago)`.
    case claudeClock = "claude-clock"
    /// Codex: `try again at 9:12 PM.` (local time, today or next day) or `try again at Sep 20th, 2026 4:00 PM.`
    case codexClock = "codex-clock"
    /// A duration: `reset after 1h49m8s`, `resets in 1h 48min`, `resets in 2 days`, `try again in 3 days 2 hours`.
    case duration
    /// Unix seconds after a `|`: `Claude AI usage limit reached|1762952400`.
    case epochSeconds = "epoch-seconds"
    /// A UTC date-time such as `08-12 10:12:00 UTC` or `2026-08-12 10:12:00 UTC`.
    case utcDateTime = "utc-datetime"
  }
}
