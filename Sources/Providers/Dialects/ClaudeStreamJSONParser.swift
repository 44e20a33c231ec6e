import ProviderKit

/// The `claude-stream-json` dialect: `claude -p --output-format stream-json --verbose`, and the
/// Claude-compatible streams of Amp (`--stream-json`) and Qwen Code (`-o stream-json`).
///
/// Maps `system/init` (and every line's `session_id`) to ``AgentEvent/Kind/sessionStarted(id:)``,
/// assistant text and `tool_use` blocks to text and tool events (an `AskUserQuestion` call also to
/// ``AgentEvent/Kind/question(_:)``), user `tool_result` blocks to tool results, `system/api_retry`
/// to ``AgentEvent/Kind/retrying(attempt:maxAttempts:message:)``, `rate_limit_event` with status
/// `rejected` and texts matching the exhaustion rules to ``AgentEvent/Kind/exhausted(resetAt:message:)``,
/// and the `result` line to usage and ``AgentEvent/Kind/result(text:isError:)``.
public struct ClaudeStreamJSONParser: OutputParser {
  private var stream: ClaudeCompatibleStream

  /// Creates a parser for one run.
  public init(context: ParserContext = ParserContext()) {
    stream = ClaudeCompatibleStream(context: context)
  }

  /// Parses one line of Claude-compatible stream-json.
  public mutating func parse(line: ArraySlice<UInt8>, offset: Int64) -> [AgentEvent] {
    var events = EventList(offset: offset)
    switch DialectLine.read(line, skipping: ClaudeCompatibleStream.unreadMembers) {
    case .blank: return []
    case .object(let object):
      if !stream.handle(object, into: &events, filteredFrom: line) {
        events.append(.raw(DialectLine.text(of: line)))
      }
    case .unreadable: stream.exhaustion.unreadableLine(line, into: &events)
    }
    return events.events
  }
}
