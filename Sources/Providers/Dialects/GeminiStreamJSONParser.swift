import JSONKit
import ProviderKit

/// The `gemini-stream-json` dialect: `gemini -p … -o stream-json`.
///
/// Maps `init.session_id` to ``AgentEvent/Kind/sessionStarted(id:)``; assistant `message` lines
/// (streamed as `delta` chunks; older builds print `text`) to text; `tool_use` / `tool_result` to
/// tool events; `error` lines to errors; the `result` line to usage (`stats`) and a result whose
/// text is the assistant's last reply (its chunks since the last tool call). A failed `result` with
/// `error.type` `TerminalQuotaError` is an exhaustion (reset read from "reset after 1h49m8s").
/// The single-object `-o json` output (`{session_id, response, stats, error}`) is read too.
public struct GeminiStreamJSONParser: OutputParser {
  private var session = SessionTracker()
  private var exhaustion: ExhaustionMonitor
  private var reply = ""

  /// Creates a parser for one run.
  public init(context: ParserContext = ParserContext()) {
    exhaustion = ExhaustionMonitor(context: context)
  }

  /// Parses one line of Gemini stream-json.
  public mutating func parse(line: ArraySlice<UInt8>, offset: Int64) -> [AgentEvent] {
    var events = EventList(offset: offset)
    switch DialectLine.read(line) {
    case .blank: return []
    case .unreadable: exhaustion.unreadableLine(line, into: &events)
    case .object(let object):
      session.observe(object.string("session_id"), into: &events)
      switch object.string("type") {
      case "init": break
      case "message", "text":
        guard object.string("role") ?? "assistant" == "assistant",
          let text = object.string("content") ?? object.string("text"), !text.isEmpty
        else { break }
        reply += text
        events.append(.assistantText(text))
      case "tool_use":
        reply = ""
        events.append(
          .toolUse(
            id: object.identifier("tool_id"), name: object.string("tool_name") ?? "tool",
            input: (object["parameters"] ?? .object(JSONObject())).toolInputText))
      case "tool_result":
        let error = object.object("error")
        let isError = object.string("status") == "error" || error != nil
        let output = object["output"]?.contentText ?? error?.string("message") ?? ""
        events.append(.toolResult(id: object.identifier("tool_id"), output: output, isError: isError))
      case "error":
        let message = ClaudeCompatibleStream.errorMessage(object) ?? JSONWriter.string(.object(object))
        events.append(.error(message: message))
        events.append(exhaustion.check(message))
      case "result":
        finish(object, text: reply.isEmpty ? nil : reply, into: &events)
      case nil:
        // `-o json`: one object with the whole run.
        guard object["response"] != nil || object["error"] != nil || object["stats"] != nil else {
          events.append(.raw(DialectLine.text(of: line)))
          break
        }
        finish(object, text: object.string("response"), into: &events)
      default: break
      }
    }
    return events.events
  }

  private mutating func finish(_ object: JSONObject, text: String?, into events: inout EventList) {
    if let stats = object.object("stats") {
      events.append(
        .usage(
          Usage(
            inputTokens: stats.int("input_tokens") ?? stats.int("input"),
            outputTokens: stats.int("output_tokens"), cachedInputTokens: stats.int("cached"))))
    }
    let error = object.object("error")
    let isError = error != nil || (object.string("status").map { $0 != "success" } ?? false)
    if isError {
      let message =
        error.flatMap { ClaudeCompatibleStream.errorMessage($0) } ?? object.string("error") ?? "run failed"
      let type = error?.string("type") ?? ""
      let described = type.isEmpty || message.contains(type) ? message : "\(type): \(message)"
      events.append(.error(message: described))
      if type == "TerminalQuotaError" {
        let reset = exhaustion.resetTimeParser.resetDate(in: message, format: .duration)
        events.append(exhaustion.structured(message: described, resetAt: reset))
      } else {
        events.append(exhaustion.check(described))
      }
      events.append(.result(text: described, isError: true))
    } else {
      events.append(.result(text: text, isError: false))
    }
    reply = ""
  }
}
