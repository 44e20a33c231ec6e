import JSONKit
import ProviderKit

/// The `vibe-streaming` dialect: `vibe -p … --output streaming` (Mistral Vibe 3.x), one JSON
/// transcript entry per line, written when the entry completes.
///
/// Every entry carries `sessionId` → ``AgentEvent/Kind/sessionStarted(id:)`` once;
/// `type:"message"` with `role:"assistant"` → text (`content[].text`); `type:"effect"` (a tool
/// run: `detail.toolName`, `detail.input`, `state.status`/`outputText`/`error`) → tool use and its
/// result; `type:"callback"` (an approval the headless agent answered) → a failed tool result
/// when it was denied. Usage and the outcome are not on stdout. Errors go to stderr as text
/// (`Error: Client error '402 Payment Required' for url …` and a second line ending in the
/// provider's message), with exit code 2: both lines are errors and are matched against the
/// exhaustion rules.
public struct VibeStreamingParser: OutputParser {
  private var session = SessionTracker()
  private var exhaustion: ExhaustionMonitor

  /// Creates a parser for one run.
  public init(context: ParserContext = ParserContext()) {
    exhaustion = ExhaustionMonitor(context: context)
  }

  /// Parses one line of `vibe --output streaming` output (stdout and stderr).
  public mutating func parse(line: ArraySlice<UInt8>, offset: Int64) -> [AgentEvent] {
    var events = EventList(offset: offset)
    switch DialectLine.read(line) {
    case .blank: return []
    case .unreadable: textLine(DialectLine.text(of: line), into: &events)
    case .object(let object):
      session.observe(object.string("sessionId"), into: &events)
      switch object.string("type") {
      case "message":
        guard object.string("role") == "assistant" else { break }
        let text = Self.text(object["content"])
        if !text.isEmpty { events.append(.assistantText(text)) }
      case "effect": effect(object, into: &events)
      case "callback": callback(object, into: &events)
      case nil: events.append(.raw(DialectLine.text(of: line)))
      default: break
      }
    }
    return events.events
  }

  /// A tool run: the call, and its result once settled.
  private func effect(_ object: JSONObject, into events: inout EventList) {
    let detail = object.object("detail")
    let id = object.identifier("id")
    events.append(
      .toolUse(
        id: id, name: detail?.string("toolName") ?? object.string("title") ?? "tool",
        input: (detail?["input"] ?? .object(JSONObject())).toolInputText))
    guard let state = object.object("state") else { return }
    switch state.string("status") {
    case "completed":
      events.append(.toolResult(id: id, output: state.string("outputText") ?? "", isError: false))
    case "failed":
      let error = state.object("error")
      let message =
        error?.string("message") ?? error?.string("code") ?? state.string("outputText") ?? "failed"
      events.append(.toolResult(id: id, output: message, isError: true))
    default: break
    }
  }

  /// An approval request the headless run answered: a denial is reported as a failed tool call.
  private func callback(_ object: JSONObject, into events: inout EventList) {
    let decision = object.object("state")?.object("output")?.object("decision")?.string("type")
    guard decision == "deny" || decision == "cancel_turn" else { return }
    events.append(
      .toolResult(
        id: object.identifier("callbackId"), output: "\(object.string("title") ?? "tool call"): denied",
        isError: true))
  }

  /// A stderr line: `Error: …` and the `For more information check: …` line after it are errors;
  /// any other text is kept raw. Both are matched against the exhaustion rules.
  private mutating func textLine(_ text: String, into events: inout EventList) {
    if text.hasBytePrefix("Error: ") || text.hasBytePrefix("For more information check: ") {
      events.append(.error(message: text))
    } else {
      events.append(.raw(text))
    }
    events.append(exhaustion.check(text))
  }

  /// `content` parts of type `text`, joined.
  private static func text(_ content: JSONValue?) -> String {
    guard case .array(let parts)? = content else { return content?.stringValue ?? "" }
    return parts.compactMap { part -> String? in
      guard let object = part.objectValue, object.string("type") == "text" else { return nil }
      return object.string("text")
    }.joined()
  }
}
