import Foundation
import JSONKit
import ProviderKit

/// The `codex-exec-json` dialect: `codex exec --json`.
///
/// Maps `thread.started.thread_id` to ``AgentEvent/Kind/sessionStarted(id:)``; `item.*` items
/// (`agent_message` → text; `command_execution`, `file_change`, `mcp_tool_call`, `web_search`,
/// `collab_tool_call` → tool use and result; `error` → a non-fatal error); `turn.completed.usage` →
/// usage, then a successful result carrying the turn's last agent message; `turn.failed` → error
/// and a failed result; `request_user_input` → questions. A top-level `error` line saying
/// `Reconnecting... n/N (…)` is a retry, never a failure; other `error` lines are errors.
/// Usage limits are read from error texts (`You’ve hit your usage limit … try again at …`,
/// `usage_limit_reached` bodies with `resets_at`).
public struct CodexExecJSONParser: OutputParser {
  private var session = SessionTracker()
  private var exhaustion: ExhaustionMonitor
  private var lastAgentMessage: String?
  /// Items whose `item.started` was reported as a tool use (so completion adds only the result).
  private var startedTools: Set<String> = []

  /// Creates a parser for one run.
  public init(context: ParserContext = ParserContext()) {
    exhaustion = ExhaustionMonitor(context: context)
  }

  /// Parses one line of `codex exec --json` output.
  public mutating func parse(line: ArraySlice<UInt8>, offset: Int64) -> [AgentEvent] {
    var events = EventList(offset: offset)
    switch DialectLine.read(line) {
    case .blank: return []
    case .unreadable: exhaustion.unreadableLine(line, into: &events)
    case .object(let object):
      guard let type = object.string("type") else {
        events.append(.raw(DialectLine.text(of: line)))
        break
      }
      switch type {
      case "thread.started": session.observe(object.string("thread_id"), into: &events)
      case "turn.started": lastAgentMessage = nil
      case "item.started": itemStarted(object.object("item"), into: &events)
      case "item.completed": itemCompleted(object.object("item"), into: &events)
      case "turn.completed":
        if let usage = object.object("usage") {
          events.append(
            .usage(
              Usage(
                inputTokens: usage.int("input_tokens"), outputTokens: usage.int("output_tokens"),
                cachedInputTokens: usage.int("cached_input_tokens"))))
        }
        events.append(.result(text: lastAgentMessage, isError: false))
      case "turn.failed":
        let message =
          object.object("error")?.string("message") ?? object.string("message") ?? "turn failed"
        failure(message, into: &events)
        events.append(.result(text: message, isError: true))
      case "error": errorLine(object.string("message") ?? JSONWriter.string(.object(object)), into: &events)
      case "request_user_input":
        if let questions = Self.questions(object) { events.append(.question(questions)) }
      default: break  // item.updated, item.plan.delta, …
      }
    }
    return events.events
  }

  // MARK: - Errors and retries

  private mutating func errorLine(_ message: String, into events: inout EventList) {
    if let retry = Self.reconnecting(message) {
      events.append(retry)
    } else {
      failure(message, into: &events)
    }
  }

  /// `Reconnecting... 2/5 (reason)` → a retry.
  static func reconnecting(_ message: String) -> AgentEvent.Kind? {
    guard message.hasBytePrefix("Reconnecting") else { return nil }
    // The counter is the first "n/N" before the parenthesised reason.
    var numbers: [Int] = []
    var current: Int?
    var sawSlash = false
    for byte in message.utf8.dropFirst("Reconnecting".utf8.count) {
      if byte >= 0x30 && byte <= 0x39 {
        let digit = Int(byte - 0x30)
        if let value = current, value > 100_000_000 { break }
        current = (current ?? 0) * 10 + digit
        continue
      }
      if let value = current {
        numbers.append(value)
        current = nil
        if numbers.count == 2 { break }
        guard byte == UInt8(ascii: "/") else { numbers.removeAll(); break }
        sawSlash = true
        continue
      }
      if byte == UInt8(ascii: "(") || sawSlash { break }
    }
    if let value = current, numbers.count == 1 { numbers.append(value) }
    let counted = numbers.count == 2
    return .retrying(
      attempt: counted ? numbers[0] : nil, maxAttempts: counted ? numbers[1] : nil, message: message)
  }

  private mutating func failure(_ message: String, into events: inout EventList) {
    events.append(.error(message: message))
    if message.containsBytes(of: "usage_limit_reached") {
      events.append(
        exhaustion.structured(
          message: message, resetAt: Self.usageLimitReset(message, now: exhaustion.resetTimeParser.now)))
    } else {
      events.append(exhaustion.check(message))
    }
  }

  /// A `usage_limit_reached` body quoted in an error: `"resets_at":<epoch>` or
  /// `"resets_in_seconds":<n>`.
  static func usageLimitReset(_ message: String, now: Date) -> Date? {
    guard let start = message.firstIndex(of: "{"),
      case .object(let body)? = try? JSONParser.parse(String(message[start...]))
    else { return nil }
    let error = body.object("error") ?? body
    if let epoch = error.double("resets_at") { return dateFromEpoch(epoch) }
    if let seconds = error.double("resets_in_seconds") { return now.addingTimeInterval(seconds) }
    return nil
  }

  // MARK: - Items

  private mutating func itemStarted(_ item: JSONObject?, into events: inout EventList) {
    guard let item, let id = item.identifier("id"), let tool = Self.toolUse(item) else { return }
    startedTools.insert(id)
    events.append(.toolUse(id: id, name: tool.name, input: tool.input))
  }

  private mutating func itemCompleted(_ item: JSONObject?, into events: inout EventList) {
    guard let item else { return }
    let id = item.identifier("id")
    switch item.string("type") {
    case "agent_message":
      if let text = item.string("text"), !text.isEmpty {
        lastAgentMessage = text
        events.append(.assistantText(text))
      }
    case "error":
      // Non-fatal (for example a model-metadata warning); the turn goes on.
      let message = item.string("message") ?? "error"
      events.append(.error(message: message))
      events.append(exhaustion.check(message))
    default:
      guard let tool = Self.toolUse(item) else { return }
      if let id, startedTools.remove(id) != nil {
        // Already reported at item.started.
      } else {
        events.append(.toolUse(id: id, name: tool.name, input: tool.input))
      }
      let (output, isError) = Self.toolOutcome(item)
      events.append(.toolResult(id: id, output: output, isError: isError))
    }
  }

  /// The tool call an item stands for, if it is one.
  static func toolUse(_ item: JSONObject) -> (name: String, input: String)? {
    func input(_ members: [(String, JSONValue?)]) -> String {
      // The names are distinct: build the object's arrays directly, sized once.
      var keys: [String] = []
      var values: [JSONValue] = []
      keys.reserveCapacity(members.count)
      values.reserveCapacity(members.count)
      for (key, value) in members {
        if let value {
          keys.append(key)
          values.append(value)
        }
      }
      return JSONWriter.string(.object(JSONObject(keys: keys, values: values)))
    }
    switch item.string("type") {
    case "command_execution":
      return ("command_execution", input([("command", item["command"])]))
    case "file_change":
      return ("file_change", input([("changes", item["changes"])]))
    case "mcp_tool_call":
      let name = "mcp__\(item.string("server") ?? "mcp")__\(item.string("tool") ?? "tool")"
      return (name, (item["arguments"] ?? .object(JSONObject())).toolInputText)
    case "web_search":
      return ("web_search", input([("query", item["query"]), ("action", item["action"])]))
    case "collab_tool_call":
      return (
        item.string("tool") ?? "collab_tool_call",
        input([("receiver_thread_ids", item["receiver_thread_ids"])])
      )
    default: return nil
    }
  }

  static func toolOutcome(_ item: JSONObject) -> (output: String, isError: Bool) {
    let status = item.string("status")
    var isError = status == "failed" || status == "declined"
    var output = ""
    switch item.string("type") {
    case "command_execution":
      output = item.string("aggregated_output") ?? ""
      if let code = item.int("exit_code"), code != 0 { isError = true }
    case "file_change":
      output = (item.array("changes") ?? []).compactMap { change -> String? in
        guard let path = change["path"]?.stringValue else { return nil }
        return "\(change["kind"]?.stringValue ?? "update") \(path)"
      }.joined(separator: "\n")
    case "mcp_tool_call":
      if let error = item.object("error") {
        isError = true
        output = error.string("message") ?? JSONWriter.string(.object(error))
      } else if let result = item.object("result") {
        output = result["content"]?.contentText ?? JSONWriter.string(.object(result))
      }
    default:
      output = item.string("query") ?? ""
    }
    return (output, isError)
  }

  /// `request_user_input{questions:[{id,header,question,options:[{label,description}]}]}`.
  static func questions(_ object: JSONObject) -> [PendingQuestion]? {
    ClaudeCompatibleStream.questions(from: .object(object))
  }
}
