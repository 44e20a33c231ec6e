import Foundation
import JSONKit
import ProviderKit

/// The `droid-stream-json` dialect: `droid exec -o stream-json`.
///
/// Maps `system/init.session_id` (and `session_forked.new_id`) to
/// ``AgentEvent/Kind/sessionStarted(id:)``, assistant `message` lines to text, `tool_call` /
/// `tool_result` to tool events, `error` lines to errors (a 402 "weekly standard usage limit
/// (resets in 2 days)" is an exhaustion through the rules; a 429 `rate_limit_exceeded` is not),
/// and `completion{finalText}` to the result.
public struct DroidStreamJSONParser: OutputParser {
  private var session = SessionTracker()
  private var exhaustion: ExhaustionMonitor
  private var lastError: String?

  /// Creates a parser for one run.
  public init(context: ParserContext = ParserContext()) {
    exhaustion = ExhaustionMonitor(context: context)
  }

  /// Parses one line of Droid stream-json.
  public mutating func parse(line: ArraySlice<UInt8>, offset: Int64) -> [AgentEvent] {
    var events = EventList(offset: offset)
    switch DialectLine.read(line) {
    case .blank: return []
    case .unreadable: exhaustion.unreadableLine(line, into: &events)
    case .object(let object):
      session.observe(object.string("session_id"), into: &events)
      switch object.string("type") {
      case "message":
        if object.string("role") == "assistant", let text = object.string("text"), !text.isEmpty {
          events.append(.assistantText(text))
        }
      case "tool_call":
        events.append(
          .toolUse(
            id: object.identifier("id"), name: object.string("toolName") ?? object.string("toolId") ?? "tool",
            input: (object["parameters"] ?? .object(JSONObject())).toolInputText))
      case "tool_result":
        let error = object["error"].flatMap { $0.isNull ? nil : $0 }
        let isError = object["isError"]?.boolValue ?? (error != nil)
        let output = object["value"]?.contentText ?? error.map(Self.errorText) ?? ""
        events.append(.toolResult(id: object.identifier("id"), output: output, isError: isError))
      case "error":
        let message = Self.errorMessage(object)
        lastError = message
        events.append(.error(message: message))
        events.append(exhaustion.check(message))
      case "completion":
        let text = object.string("finalText")
        events.append(.result(text: text ?? lastError, isError: text == nil && lastError != nil))
      case "session_forked":
        session.observe(object.string("new_id"), into: &events)
      case nil: events.append(.raw(DialectLine.text(of: line)))
      default: break  // system, …
      }
    }
    return events.events
  }

  /// The error's message; a quoted HTTP body (`402 {"detail":"…"}`) is reduced to its detail,
  /// prefixed with the status.
  static func errorMessage(_ object: JSONObject) -> String {
    guard let message = ClaudeCompatibleStream.errorMessage(object) else {
      let kind = object.string("error_type") ?? "error"
      return object.int("status").map { "\(kind) (\($0))" } ?? kind
    }
    guard let brace = message.firstIndex(of: "{"),
      case .object(let body)? = try? JSONParser.parse(String(message[brace...])),
      let detail = body.string("detail") ?? body.string("message")
    else { return message }
    let prefix = message[..<brace].trimmingCharacters(in: .whitespaces)
    return prefix.isEmpty ? detail : "\(prefix) \(detail)"
  }

  private static func errorText(_ error: JSONValue) -> String {
    if let object = error.objectValue, let message = object.string("message") { return message }
    return error.contentText
  }
}
