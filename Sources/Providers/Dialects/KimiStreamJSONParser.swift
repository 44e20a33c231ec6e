import Foundation
import JSONKit
import ProviderKit

/// The `kimi-stream-json` dialect: `kimi --print --output-format stream-json` (OpenAI-style
/// messages, one per line).
///
/// `{"role":"assistant","content":…,"tool_calls":[{"id","function":{"name","arguments"}}]}` →
/// text and tool uses; `{"role":"tool","tool_call_id":…,"content":…}` → tool results;
/// `{"type":"error","message":…,"retryable":…}` → a retry when retryable, else an error. The
/// stream carries no session id (multiagent pins one with `--session`) and no final result line.
///
/// kimi-cli 1.51.0 prints a failed request as text on stdout, `Error code: <status> - <the body as
/// a Python repr>` (exit 75 for 429 / 5xx / connection errors, 1 otherwise): an error, matched
/// against the exhaustion rules. Its last stderr line, `To resume this session: kimi -r <id>`,
/// names the session.
public struct KimiStreamJSONParser: OutputParser {
  private var session = SessionTracker()
  private var exhaustion: ExhaustionMonitor

  /// Creates a parser for one run.
  public init(context: ParserContext = ParserContext()) {
    exhaustion = ExhaustionMonitor(context: context)
  }

  /// Parses one line of Kimi stream-json.
  public mutating func parse(line: ArraySlice<UInt8>, offset: Int64) -> [AgentEvent] {
    var events = EventList(offset: offset)
    switch DialectLine.read(line) {
    case .blank: return []
    case .unreadable: textLine(line, into: &events)
    case .object(let object):
      if object.string("type") == "error" {
        let message = ClaudeCompatibleStream.errorMessage(object) ?? object.string("code") ?? "error"
        if object["retryable"]?.boolValue == true {
          events.append(.retrying(attempt: nil, maxAttempts: nil, message: message))
        } else {
          events.append(.error(message: message))
          events.append(exhaustion.check(message))
        }
        break
      }
      switch object.string("role") {
      case "assistant":
        let text = Self.text(object["content"])
        if !text.isEmpty { events.append(.assistantText(text)) }
        for case .object(let call) in object.array("tool_calls") ?? [] {
          let function = call.object("function")
          events.append(
            .toolUse(
              id: call.identifier("id"), name: function?.string("name") ?? "tool",
              input: (function?["arguments"] ?? .object(JSONObject())).toolInputText))
        }
      case "tool":
        events.append(
          .toolResult(
            id: object.identifier("tool_call_id"), output: object["content"]?.contentText ?? "",
            isError: false))
      case nil: events.append(.raw(DialectLine.text(of: line)))
      default: break  // user, system, thinking, …
      }
    }
    return events.events
  }

  /// A text line: an error, the session id, or text kept raw; matched against the rules.
  private mutating func textLine(_ line: ArraySlice<UInt8>, into events: inout EventList) {
    let text = DialectLine.text(of: line)
    if text.hasBytePrefix("Error code: ") || text.hasBytePrefix("Unknown error: ") {
      events.append(.error(message: text))
      events.append(exhaustion.check(text))
      return
    }
    if let range = text.range(of: "To resume this session: kimi -r ") {
      session.observe(
        String(text[range.upperBound...].prefix { !$0.isWhitespace }), into: &events)
    }
    exhaustion.unreadableLine(line, into: &events)
  }

  /// Message content: a string, or parts of which only `text` parts are assistant text.
  private static func text(_ content: JSONValue?) -> String {
    switch content {
    case .string(let text)?: return text
    case .array(let parts)?:
      return parts.compactMap { part -> String? in
        guard let object = part.objectValue else { return part.stringValue }
        let type = object.string("type")
        return type == nil || type == "text" ? object.string("text") : nil
      }.joined()
    default: return ""
    }
  }
}
