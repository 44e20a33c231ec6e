import Foundation
import JSONKit
import ProviderKit

/// The `openhands-json` dialect: `openhands --headless --json` (OpenHands CLI 1.x). stdout mixes
/// Rich text lines (`Initializing agent...`, `Agent is working`, a summary panel) with one JSON
/// event per line (`event.model_dump()`), told apart by `kind`.
///
/// `MessageEvent` from `source:"agent"` → text (`llm_message.content[].text`); `ActionEvent` →
/// the thought text, then a tool use (`tool_call_id`, `tool_name`, `tool_call.arguments`);
/// `ObservationEvent` → its result (`observation.content[].text`, `observation.is_error`);
/// `AgentErrorEvent` and `ConversationErrorEvent` (`code`, `detail`: an LLM failure after litellm's
/// retries, with exit code 0) → errors, matched against the exhaustion rules. The text line
/// `Conversation ID: <32 hex>` at the end names the session (multiagent pins it with `--resume`).
public struct OpenHandsJSONParser: OutputParser {
  private var session = SessionTracker()
  private var exhaustion: ExhaustionMonitor

  /// Creates a parser for one run.
  public init(context: ParserContext = ParserContext()) {
    exhaustion = ExhaustionMonitor(context: context)
  }

  /// Parses one line of `openhands --headless --json` output.
  public mutating func parse(line: ArraySlice<UInt8>, offset: Int64) -> [AgentEvent] {
    var events = EventList(offset: offset)
    switch DialectLine.read(line) {
    case .blank: return []
    case .unreadable: textLine(DialectLine.text(of: line), into: &events)
    case .object(let object):
      switch object.string("kind") {
      case "MessageEvent":
        guard object.string("source") == "agent" else { break }
        let text = Self.text(object.object("llm_message")?["content"])
        if !text.isEmpty { events.append(.assistantText(text)) }
      case "ActionEvent":
        let thought = Self.text(object["thought"])
        if !thought.isEmpty { events.append(.assistantText(thought)) }
        let call = object.object("tool_call")
        events.append(
          .toolUse(
            id: object.identifier("tool_call_id") ?? call?.identifier("id"),
            name: object.string("tool_name") ?? call?.string("name") ?? "tool",
            input: (call?["arguments"] ?? object["action"] ?? .object(JSONObject())).toolInputText))
      case "ObservationEvent":
        let observation = object.object("observation")
        events.append(
          .toolResult(
            id: object.identifier("tool_call_id"), output: Self.text(observation?["content"]),
            isError: observation?["is_error"]?.boolValue ?? false))
      case "AgentErrorEvent", "ConversationErrorEvent":
        let message = [object.string("code"), object.string("detail") ?? object.string("error")]
          .compactMap { $0 }.joined(separator: ": ")
        events.append(.error(message: message.isEmpty ? "OpenHands reported an error" : message))
        events.append(exhaustion.check(message))
      case nil: events.append(.raw(DialectLine.text(of: line)))
      default: break  // system prompt, state updates, …
      }
    }
    return events.events
  }

  /// A Rich text line: the conversation id, or text kept raw (and matched against the rules).
  private mutating func textLine(_ text: String, into events: inout EventList) {
    if let range = text.range(of: "Conversation ID: ") {
      let id = text[range.upperBound...].prefix { $0.isHexDigit }
      if id.count == 32 { session.observe(String(id), into: &events) }
    }
    exhaustion.unreadableLine(Array(text.utf8)[...], into: &events)
  }

  /// Text parts of a content list (`[{"type":"text","text":…}]`), joined.
  private static func text(_ content: JSONValue?) -> String {
    guard case .array(let parts)? = content else { return content?.stringValue ?? "" }
    return parts.compactMap { part -> String? in
      guard let object = part.objectValue, object.string("type") ?? "text" == "text" else { return nil }
      return object.string("text")
    }.joined()
  }
}
