import JSONKit
import ProviderKit

/// The `cursor-stream-json` dialect: `cursor-agent -p --output-format stream-json`.
///
/// Claude-like (`system/init` with `session_id`, `assistant`, `user`, `result`), plus
/// `tool_call` lines: `{"type":"tool_call","subtype":"started","call_id":"t1","tool_call":{"readToolCall":{"args":{…}}}}`
/// → ``AgentEvent/Kind/toolUse(id:name:input:)`` named after the key without `ToolCall` (`read`),
/// and `subtype:"completed"` (with `result`) → ``AgentEvent/Kind/toolResult(id:output:isError:)``.
/// `thinking` lines yield nothing. Cursor reports no token usage.
public struct CursorStreamJSONParser: OutputParser {
  private var stream: ClaudeCompatibleStream

  /// Creates a parser for one run.
  public init(context: ParserContext = ParserContext()) {
    stream = ClaudeCompatibleStream(context: context)
  }

  /// Parses one line of Cursor stream-json.
  public mutating func parse(line: ArraySlice<UInt8>, offset: Int64) -> [AgentEvent] {
    var events = EventList(offset: offset)
    switch DialectLine.read(line) {
    case .blank: return []
    case .object(let object):
      switch object.string("type") {
      case "tool_call":
        stream.session.observe(object.string("session_id"), into: &events)
        toolCall(object, into: &events)
      case "thinking":
        stream.session.observe(object.string("session_id"), into: &events)
      default:
        if !stream.handle(object, into: &events) { events.append(.raw(DialectLine.text(of: line))) }
      }
    case .unreadable: stream.exhaustion.unreadableLine(line, into: &events)
    }
    return events.events
  }

  private func toolCall(_ object: JSONObject, into events: inout EventList) {
    let id = object.identifier("call_id") ?? object.identifier("id")
    // `tool_call` holds one member named after the tool: `shellToolCall`, `readToolCall`, …
    guard let call = object.object("tool_call"), let key = call.keys.first,
      let body = call.values.first?.objectValue
    else { return }
    let name = Self.toolName(key, body: body)
    switch object.string("subtype") {
    case "started":
      events.append(
        .toolUse(id: id, name: name, input: (body["args"] ?? .object(JSONObject())).toolInputText))
    case "completed":
      let (output, isError) = Self.outcome(body["result"])
      events.append(.toolResult(id: id, output: output, isError: isError))
    default: break
    }
  }

  static func toolName(_ key: String, body: JSONObject) -> String {
    if key == "mcpToolCall",
      let name = body.object("args")?.string("name") ?? body.object("args")?.string("toolName")
    {
      return name
    }
    return key.hasSuffix("ToolCall") ? String(key.dropLast("ToolCall".count)) : key
  }

  /// `result` is `{"success":{…}}`, `{"error":{…}}`, `{"rejected":{…}}` or similar.
  static func outcome(_ result: JSONValue?) -> (output: String, isError: Bool) {
    guard let result else { return ("", false) }
    guard let object = result.objectValue, let key = object.keys.first, object.count == 1,
      let body = object.values.first
    else { return (result.contentText, false) }
    let isError = key != "success"
    if let fields = body.objectValue {
      for name in ["content", "output", "stdout", "stderr", "message", "error"] {
        if let text = fields.string(name), !text.isEmpty { return (text, isError) }
      }
    }
    return (JSONWriter.string(body), isError)
  }
}
