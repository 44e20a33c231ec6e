import JSONKit
import ProviderKit

/// The `auggie-json` dialect: `auggie --print … --output-format json`. Its schema is unverified, so
/// the reading is lenient:
/// - a JSON object with a Claude-compatible `type` (`system`, `assistant`, `user`, `result`, …) is
///   read as Claude-compatible stream-json;
/// - any other JSON object is a final answer: a session id from `sessionId` / `session_id` /
///   `sessionID` / `session.id`, text from `result` / `response` / `text` / `message`, failure
///   from `is_error` / `isError` / `success:false` / an `error` member;
/// - a line that is not JSON is assistant text (Auggie's text output), never dropped; a broken
///   JSON object or an array is kept as `raw`.
public struct AuggieJSONParser: OutputParser {
  private var stream: ClaudeCompatibleStream

  private static let claudeTypes: Set<String> = [
    "system", "assistant", "user", "result", "rate_limit_event", "stream_event", "error",
  ]

  /// Creates a parser for one run.
  public init(context: ParserContext = ParserContext()) {
    stream = ClaudeCompatibleStream(context: context)
  }

  /// Parses one line of Auggie output.
  public mutating func parse(line: ArraySlice<UInt8>, offset: Int64) -> [AgentEvent] {
    var events = EventList(offset: offset)
    switch DialectLine.read(line) {
    case .blank: return []
    case .unreadable:
      let text = DialectLine.text(of: line)
      // Text output is assistant text; a broken object or an array is not text, so it stays raw.
      let first = line.first { $0 != 0x20 && $0 != 0x09 }
      if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
        stream.exhaustion.unreadableLine(line, into: &events)
      } else {
        events.append(.assistantText(text))
      }
    case .object(let object):
      if let type = object.string("type"), Self.claudeTypes.contains(type) {
        _ = stream.handle(object, into: &events)
      } else {
        answer(object, line: line, into: &events)
      }
    }
    return events.events
  }

  private mutating func answer(_ object: JSONObject, line: ArraySlice<UInt8>, into events: inout EventList) {
    let sessionID =
      object.identifier("sessionId") ?? object.identifier("session_id") ?? object.identifier("sessionID")
      ?? object.object("session")?.identifier("id")
    stream.session.observe(sessionID, into: &events)
    let text = ["result", "response", "text", "message", "output"].lazy.compactMap { object.string($0) }.first
    let errorValue = object["error"].flatMap { $0.isNull ? nil : $0 }
    let isError =
      object["is_error"]?.boolValue == true || object["isError"]?.boolValue == true
      || object["success"]?.boolValue == false || errorValue != nil
    guard text != nil || isError || sessionID != nil else {
      events.append(.raw(DialectLine.text(of: line)))
      return
    }
    if let usage = ClaudeCompatibleStream.usage(object) { events.append(.usage(usage)) }
    if isError {
      let message = ClaudeCompatibleStream.errorMessage(object) ?? text ?? "run failed"
      events.append(.error(message: message))
      events.append(stream.exhaustion.check(message))
      events.append(.result(text: text ?? message, isError: true))
    } else if let text {
      events.append(.result(text: text, isError: false))
    }
  }
}
