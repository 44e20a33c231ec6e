import JSONKit
import ProviderKit

/// The `copilot-json` dialect: `copilot -p … --output-format json` (JSON lines `{type, data{…}}`).
///
/// Maps `assistant.message` → text, `tool.execution_start` / `tool.execution_complete` → tool
/// use and result, `session.error` → an error (`errorType:"quota"` or status 402 is an exhaustion,
/// with no reset time: the quota is monthly; `errorType:"persistence"` is ignored), and the last
/// line `{"type":"result","sessionId":…,"exitCode":…}` → ``AgentEvent/Kind/sessionStarted(id:)``
/// and the result (failed when the exit code is not 0), carrying the last assistant message.
public struct CopilotJSONParser: OutputParser {
  private var session = SessionTracker()
  private var exhaustion: ExhaustionMonitor
  private var lastText: String?
  private var lastError: String?

  /// Creates a parser for one run.
  public init(context: ParserContext = ParserContext()) {
    exhaustion = ExhaustionMonitor(context: context)
  }

  /// Parses one line of Copilot JSON output.
  public mutating func parse(line: ArraySlice<UInt8>, offset: Int64) -> [AgentEvent] {
    var events = EventList(offset: offset)
    switch DialectLine.read(line) {
    case .blank: return []
    case .unreadable: exhaustion.unreadableLine(line, into: &events)
    case .object(let object):
      let data = object.object("data")
      session.observe(object.string("sessionId") ?? data?.string("sessionId"), into: &events)
      switch object.string("type") {
      case "assistant.message":
        if let text = data?.string("content"), !text.isEmpty {
          lastText = text
          events.append(.assistantText(text))
        }
        if let tokens = data?.int("outputTokens") { events.append(.usage(Usage(outputTokens: tokens))) }
      case "tool.execution_start":
        guard let data else { break }
        events.append(
          .toolUse(
            id: data.identifier("toolCallId"), name: data.string("toolName") ?? "tool",
            input: (data["arguments"] ?? .object(JSONObject())).toolInputText))
      case "tool.execution_complete":
        guard let data else { break }
        let isError = data["success"]?.boolValue == false || data["error"].map { !$0.isNull } == true
        let output =
          data.object("result")?["content"]?.contentText ?? data["error"].map(Self.errorText) ?? ""
        events.append(.toolResult(id: data.identifier("toolCallId"), output: output, isError: isError))
      case "session.error":
        guard let data, data.string("errorType") != "persistence" else { break }
        let message = data.string("message") ?? JSONWriter.string(.object(data))
        lastError = message
        events.append(.error(message: message))
        if data.string("errorType") == "quota" || data.int("statusCode") == 402 {
          events.append(exhaustion.structured(message: message, resetAt: nil))
        } else {
          events.append(exhaustion.check(message))
        }
      case "result":
        let isError = (object.int("exitCode") ?? 0) != 0
        events.append(.result(text: isError ? (lastError ?? lastText) : lastText, isError: isError))
      case nil: events.append(.raw(DialectLine.text(of: line)))
      default: break  // session.*, assistant.turn_end, deltas, …
      }
    }
    return events.events
  }

  private static func errorText(_ error: JSONValue) -> String {
    if let object = error.objectValue, let message = object.string("message") { return message }
    return error.contentText
  }
}
