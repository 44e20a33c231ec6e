import JSONKit
import ProviderKit

/// The `opencode-json` dialect: `opencode run --format json`.
///
/// Every line carries `sessionID` (→ ``AgentEvent/Kind/sessionStarted(id:)``). `text` parts →
/// text; `tool_use` parts (reported when the call has finished) → a tool use and its result;
/// `step_finish` → usage (tokens and cost); `error{error{name,data{message}}}` → an error, matched
/// against the exhaustion rules (`Insufficient balance`); `done` → the result, carrying the last
/// text part (or the error, when the run reported one). `step_start` and `reasoning` yield nothing.
public struct OpenCodeJSONParser: OutputParser {
  private var session = SessionTracker()
  private var exhaustion: ExhaustionMonitor
  private var lastText: String?
  /// The last error message, when the run reported one.
  private var failure: String?

  /// Creates a parser for one run.
  public init(context: ParserContext = ParserContext()) {
    exhaustion = ExhaustionMonitor(context: context)
  }

  /// Parses one line of OpenCode JSON output.
  public mutating func parse(line: ArraySlice<UInt8>, offset: Int64) -> [AgentEvent] {
    var events = EventList(offset: offset)
    switch DialectLine.read(line) {
    case .blank: return []
    case .unreadable: exhaustion.unreadableLine(line, into: &events)
    case .object(let object):
      session.observe(object.string("sessionID"), into: &events)
      let part = object.object("part")
      switch object.string("type") {
      case "text":
        if let text = part?.string("text"), !text.isEmpty {
          lastText = text
          events.append(.assistantText(text))
        }
      case "tool_use":
        guard let part else { break }
        let state = part.object("state")
        let id = part.identifier("callID") ?? part.identifier("id")
        events.append(
          .toolUse(
            id: id, name: part.string("tool") ?? "tool",
            input: (state?["input"] ?? .object(JSONObject())).toolInputText))
        if let state, let status = state.string("status"), status == "completed" || status == "error" {
          let output = state["output"]?.contentText ?? state["error"]?.contentText ?? ""
          events.append(.toolResult(id: id, output: output, isError: status == "error"))
        }
      case "step_finish":
        guard let part, let tokens = part.object("tokens") else { break }
        events.append(
          .usage(
            Usage(
              inputTokens: tokens.int("input"), outputTokens: tokens.int("output"),
              cachedInputTokens: tokens.object("cache")?.int("read"), costUSD: part.double("cost"))))
      case "error":
        let error = object.object("error")
        let detail =
          error.flatMap { ClaudeCompatibleStream.errorMessage($0) }
          ?? ClaudeCompatibleStream.errorMessage(object)
        let name = error?.string("name")
        let message: String
        switch (name, detail) {
        case (let name?, let detail?) where detail != name: message = "\(name): \(detail)"
        case (_, let detail?): message = detail
        case (let name?, nil): message = name
        default: message = JSONWriter.string(.object(object))
        }
        failure = message
        events.append(.error(message: message))
        events.append(exhaustion.check(message))
      case "done":
        events.append(.result(text: failure ?? lastText, isError: failure != nil))
      case nil: events.append(.raw(DialectLine.text(of: line)))
      default: break  // step_start, reasoning, …
      }
    }
    return events.events
  }
}
