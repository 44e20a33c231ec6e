import Foundation

/// Turns one provider's output, line by line, into normalized ``AgentEvent``s.
///
/// A parser sees each complete line of the agent's output log once, with the line's byte offset.
/// It must never crash or throw on bad input: a line it cannot read becomes a ``AgentEvent/Kind/raw(_:)``
/// or ``AgentEvent/Kind/error(message:)`` event. Parsers are values; a parser may keep state
/// between lines (for example the session id it has seen).
public protocol OutputParser: Sendable {
  /// Parses one line (without its terminating newline) that starts at `offset` in the log.
  mutating func parse(line: ArraySlice<UInt8>, offset: Int64) -> [AgentEvent]
}

/// What a parser needs to know about the world: the time (for relative reset times such as
/// "resets 9:09pm") and the local time zone (Codex prints local wall-clock times).
public struct ParserContext: Sendable {
  /// The current time, used to resolve reset times printed without a date.
  public var now: @Sendable () -> Date
  /// The time zone used for wall-clock times printed without a zone: the one given, else the
  /// system's current zone, looked up only when a reset time is read (the lookup loads the time
  /// zone database, which a run that never hits a limit does not need).
  public var timeZone: TimeZone {
    get { fixedTimeZone ?? .current }
    set { fixedTimeZone = newValue }
  }
  private var fixedTimeZone: TimeZone?
  /// Exhaustion rules from the provider definition, applied to error and result texts.
  public var exhaustionRules: [ExhaustionRule]

  /// Creates a context; `timeZone` `nil` means the system's current zone.
  public init(
    now: @escaping @Sendable () -> Date = { Date() }, timeZone: TimeZone? = nil,
    exhaustionRules: [ExhaustionRule] = []
  ) {
    self.now = now
    self.fixedTimeZone = timeZone
    self.exhaustionRules = exhaustionRules
  }
}

/// Makes a fresh parser for one run of an agent.
public typealias OutputParserFactory = @Sendable (ParserContext) -> any OutputParser

/// The simplest dialect: every non-empty line is assistant text. Used by providers whose CLI
/// prints plain text, and as the fallback for unknown output.
public struct PlainTextParser: OutputParser {
  /// Creates the parser.
  public init() {}

  /// Every non-empty line becomes ``AgentEvent/Kind/assistantText(_:)``.
  public mutating func parse(line: ArraySlice<UInt8>, offset: Int64) -> [AgentEvent] {
    if line.isEmpty { return [] }
    return [AgentEvent(offset: offset, kind: .assistantText(String(decoding: line, as: UTF8.self)))]
  }
}
