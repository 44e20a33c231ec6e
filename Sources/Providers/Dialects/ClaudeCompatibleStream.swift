import Foundation
import JSONKit
import ProviderKit

/// The reading of Claude-compatible stream-json shared by Claude Code, Amp, Qwen Code and Cursor
/// (and Auggie lines that look like it).
///
/// Lines: `system` (`init` carries the session id; `api_retry` is a retry), `assistant` (text,
/// tool calls, or a synthetic API-error message), `user` (tool results, and the live channel's
/// messages echoed as they are taken), `rate_limit_event`, `result`,
/// `error`; `stream_event` deltas and other bookkeeping lines yield nothing.
struct ClaudeCompatibleStream: Sendable {
  /// The session ids seen so far.
  var session = SessionTracker()
  /// The run's exhaustion signals.
  var exhaustion: ExhaustionMonitor

  /// The tool Claude uses to ask the user multiple-choice questions.
  static let askUserQuestionTool = "AskUserQuestion"

  /// Creates the reader for one run.
  init(context: ParserContext) {
    exhaustion = ExhaustionMonitor(context: context)
  }

  /// Members of Claude's lines this reader never looks at, and never writes out (see
  /// ``handle(_:into:filteredFrom:)``): identifiers, bookkeeping, the copy of a tool's output in
  /// `tool_use_result`, the tool and command lists of `system/init`, per-model usage of `result`,
  /// and in `message` everything but `model` and `content`. Parsing skips them (still checking
  /// them), which saves building what would be thrown away.
  static let unreadMembers = JSONMemberFilter(
    skipping: [
      // Every line.
      "uuid", "parent_tool_use_id", "timestamp", "request_id",
      // user: a second copy of the tool's output.
      "tool_use_result",
      // system/init.
      "cwd", "tools", "mcp_servers", "model", "permissionMode", "slash_commands", "terminal_slash_commands",
      "apiKeySource", "claude_code_version", "output_style", "agents", "skills", "plugins", "memory_paths",
      "fast_mode_state", "fast_mode_disabled_reason",
      // result.
      "duration_ms", "duration_api_ms", "num_turns", "stop_reason", "modelUsage", "permission_denials",
      "subagent_stats", "safety_stops",
    ],
    children: [
      "message": JSONMemberFilter(
        skipping: [
          "id", "type", "role", "stop_reason", "stop_sequence", "stop_details", "usage", "container",
          "context_management",
        ])
    ])

  /// Reads one line. Returns `false` when the object is not a Claude-compatible line (it has no
  /// `type`), so the caller can keep it as `raw`. When `object` was parsed from `line` with
  /// ``unreadMembers`` left out, `line` is given, to be read whole for a line written out as JSON.
  mutating func handle(
    _ object: JSONObject, into events: inout EventList, filteredFrom line: ArraySlice<UInt8>? = nil
  ) -> Bool {
    session.observe(object.string("session_id"), into: &events)
    guard let type = object.string("type") else { return false }
    switch type {
    case "assistant": assistant(object, into: &events)
    case "user": user(object, into: &events, filteredFrom: line)
    case "result": result(object, into: &events)
    case "system":
      if object.string("subtype") == "api_retry" { events.append(Self.retry(object)) }
    case "rate_limit_event": rateLimit(object, into: &events)
    case "error": errorLine(object, into: &events, filteredFrom: line)
    case "control_request": controlRequest(Self.whole(object, filteredFrom: line), into: &events)
    default: break  // stream_event, prompt_suggestion, …: nothing to report
    }
    return true
  }

  // MARK: - Lines

  /// `{"type":"system","subtype":"api_retry","attempt":1,"max_retries":10,"retry_delay_ms":1040,
  /// "error_status":429,"error":"rate_limit"}`: a retry, never a failure or an exhaustion.
  static func retry(_ object: JSONObject) -> AgentEvent.Kind {
    var message = object.string("error") ?? "API error"
    if let status = object.int("error_status") { message += " (HTTP \(status))" }
    if let delay = object.int("retry_delay_ms") { message += ", retrying in \(delay) ms" }
    return .retrying(attempt: object.int("attempt"), maxAttempts: object.int("max_retries"), message: message)
  }

  private mutating func assistant(_ object: JSONObject, into events: inout EventList) {
    let message = object.object("message")
    // Claude reports API failures as a synthetic assistant message: flagged fields, model
    // "<synthetic>". Qwen puts "[API Error: …]" in the text instead.
    let isAPIError =
      object["is_api_error_message"]?.boolValue == true || object.string("error") != nil
      || message?.string("model") == "<synthetic>"
    var errorTexts: [String] = []
    switch message?["content"] {
    case .string(let text)?:
      appendText(text, isAPIError: isAPIError, errorTexts: &errorTexts, into: &events)
    case .array(let blocks)?:
      for case .object(let block) in blocks {
        switch block.string("type") {
        case "text":
          if let text = block.string("text") {
            appendText(text, isAPIError: isAPIError, errorTexts: &errorTexts, into: &events)
          }
        case "tool_use", "server_tool_use": toolUse(block, into: &events)
        default: break  // thinking, redacted_thinking, …
        }
      }
    default: break
    }
    let errorText = errorTexts.joined(separator: "\n")
    if object.string("api_error") == "usage_limit_reached" {
      let info = object.object("api_error_params")?.object("rate_limit_info")
      events.append(
        exhaustion.structured(
          message: errorText.isEmpty ? "usage limit reached" : errorText,
          resetAt: dateFromEpoch(info?.double("resetsAt"))))
    } else if !errorText.isEmpty {
      events.append(exhaustion.check(errorText))
    }
  }

  private func appendText(
    _ text: String, isAPIError: Bool, errorTexts: inout [String], into events: inout EventList
  ) {
    guard !text.isEmpty else { return }
    if isAPIError || Self.looksLikeAPIError(text) {
      errorTexts.append(text)
      events.append(.error(message: text))
    } else {
      events.append(.assistantText(text))
    }
  }

  static func looksLikeAPIError(_ text: String) -> Bool {
    text.hasBytePrefix("[API Error") || text.hasBytePrefix("API Error:")
  }

  private func toolUse(_ block: JSONObject, into events: inout EventList) {
    let name = block.string("name") ?? "tool"
    let input = block["input"] ?? .object(JSONObject())
    events.append(.toolUse(id: block.identifier("id"), name: name, input: input.toolInputText))
    if name == Self.askUserQuestionTool, let questions = Self.questions(from: input) {
      events.append(.question(questions))
    }
  }

  /// `{"questions":[{"question","header","options":[{"label","description"}],"multiSelect"}]}` →
  /// questions `q1`, `q2`, … (or the ids given).
  static func questions(from input: JSONValue) -> [PendingQuestion]? {
    guard let list = input["questions"]?.arrayValue else { return nil }
    var questions: [PendingQuestion] = []
    for case .object(let item) in list {
      guard let text = item.string("question") ?? item.string("text"), !text.isEmpty else { continue }
      let options = (item.array("options") ?? []).compactMap { option -> String? in
        option.stringValue ?? option["label"]?.stringValue
      }
      questions.append(
        PendingQuestion(
          id: item.identifier("id") ?? "q\(questions.count + 1)", question: text, options: options,
          header: item.string("header")))
    }
    return questions.isEmpty ? nil : questions
  }

  /// `{"type":"control_request","request_id":…,"request":{"subtype":"can_use_tool","tool_name":…,
  /// "input":{…},"tool_use_id":…}}` (live input only): a permission request the CLI waits on. Read
  /// whole: `request_id` is among the members skipped on other lines.
  private func controlRequest(_ object: JSONObject, into events: inout EventList) {
    guard let id = object.string("request_id"), let request = object.object("request"),
      request.string("subtype") == "can_use_tool", let tool = request.string("tool_name")
    else { return }
    let input = request["input"] ?? .object(JSONObject())
    let questions = tool == Self.askUserQuestionTool ? Self.questions(from: input) ?? [] : []
    events.append(
      .permissionRequest(
        PermissionRequest(
          requestID: id, toolName: tool, toolUseID: request.string("tool_use_id"),
          input: JSONWriter.string(input), questions: questions)))
  }

  private func user(_ object: JSONObject, into events: inout EventList, filteredFrom line: ArraySlice<UInt8>?)
  {
    let content = object.object("message")?["content"]
    // A message from the live channel, echoed as the CLI takes it (`--replay-user-messages`), under
    // the id it was written with (`uuid`, which parsing skips on other lines: read whole).
    if object["isReplay"]?.boolValue == true {
      let id = Self.whole(object, filteredFrom: line).string("uuid")
      events.append(.messageTaken(id: id, text: content?.contentText ?? ""))
      return
    }
    guard case .array(let blocks)? = content else { return }
    for case .object(let block) in blocks where block.string("type") == "tool_result" {
      events.append(
        .toolResult(
          id: block.identifier("tool_use_id"), output: block["content"]?.contentText ?? "",
          isError: block["is_error"]?.boolValue ?? false))
    }
  }

  private mutating func rateLimit(_ object: JSONObject, into events: inout EventList) {
    guard let info = object.object("rate_limit_info") else { return }
    if let reading = Self.quotaReading(info) { events.append(.quota(reading)) }
    // "allowed" and "allowed_warning" are not limits; only "rejected" is.
    guard info.string("status") == "rejected" else { return }
    let window = info.string("rateLimitType").map { " (\($0))" } ?? ""
    events.append(
      exhaustion.structured(
        message: "usage limit reached\(window): rate limit status rejected",
        resetAt: dateFromEpoch(info.double("resetsAt"))))
  }

  /// The windows of a `rate_limit_info` (`unifiedWindows`: each window's utilization, reset and
  /// status — read them, not just the overall status, which says `allowed_warning` only past
  /// Claude's own thresholds); without windows, the one window `rateLimitType` names, when the
  /// info carries a utilization. Nil when there is nothing to read.
  static func quotaReading(_ info: JSONObject) -> QuotaReading? {
    var windows: [QuotaReading.Window] = []
    if let unified = info.object("unifiedWindows") {
      for (name, value) in zip(unified.keys, unified.values) {
        guard let window = value.objectValue, let utilization = window.double("utilization") else { continue }
        windows.append(
          QuotaReading.Window(
            name: name, utilization: utilization, resetsAt: dateFromEpoch(window.double("resetsAt")),
            status: window.string("status")))
      }
    } else if let name = info.string("rateLimitType"), let utilization = info.double("utilization") {
      windows.append(
        QuotaReading.Window(
          name: name, utilization: utilization, resetsAt: dateFromEpoch(info.double("resetsAt")),
          status: info.string("status")))
    }
    guard !windows.isEmpty else { return nil }
    return QuotaReading(status: info.string("status"), windows: windows)
  }

  /// The final line. Success is decided by `is_error`, `api_error_status` and `terminal_reason`,
  /// never by `subtype`, which says "success" even for API errors.
  private mutating func result(_ object: JSONObject, into events: inout EventList) {
    let text =
      object.string("result") ?? object.string("error") ?? object.object("error")?.string("message")
      ?? object.array("errors").map { $0.map(\.contentText).joined(separator: "\n") }
    let status = object["api_error_status"]
    let terminalReason = object.string("terminal_reason")
    let isError =
      object["is_error"]?.boolValue == true || (status != nil && status?.isNull == false)
      || (terminalReason != nil && terminalReason != "completed")
      || text.map(Self.looksLikeAPIError) == true
    if let usage = Self.usage(object) { events.append(.usage(usage)) }
    if isError {
      let message = text ?? "run failed (\(object.string("subtype") ?? "error"))"
      events.append(.error(message: message))
      if object.string("api_error") == "usage_limit_reached" {
        events.append(exhaustion.structured(message: message, resetAt: nil))
      } else {
        events.append(exhaustion.check(message))
      }
    }
    if let deferred = object.object("deferred_tool_use"),
      deferred.string("name") == Self.askUserQuestionTool, let input = deferred["input"],
      let questions = Self.questions(from: input)
    {
      events.append(.question(questions))
    }
    events.append(.result(text: text, isError: isError))
  }

  /// `usage{input_tokens,output_tokens,cache_read_input_tokens}` and `total_cost_usd`.
  static func usage(_ object: JSONObject) -> Usage? {
    let usage = object.object("usage")
    let cost = object.double("total_cost_usd") ?? object.double("cost_usd")
    guard usage != nil || cost != nil else { return nil }
    return Usage(
      inputTokens: usage?.int("input_tokens"), outputTokens: usage?.int("output_tokens"),
      cachedInputTokens: usage?.int("cache_read_input_tokens"), costUSD: cost)
  }

  /// `{"type":"error","message":…}` or `{"type":"error","error":{"message":…}}`.
  private mutating func errorLine(
    _ object: JSONObject, into events: inout EventList, filteredFrom line: ArraySlice<UInt8>?
  ) {
    let message =
      Self.errorMessage(object) ?? JSONWriter.string(.object(Self.whole(object, filteredFrom: line)))
    events.append(.error(message: message))
    events.append(exhaustion.check(message))
  }

  /// `object` with the members ``unreadMembers`` left out, when it was parsed from `line` with them.
  static func whole(_ object: JSONObject, filteredFrom line: ArraySlice<UInt8>?) -> JSONObject {
    guard let line, case .object(let whole) = DialectLine.read(line) else { return object }
    return whole
  }

  /// The message of an error object in its common shapes.
  static func errorMessage(_ object: JSONObject) -> String? {
    if let message = object.string("message"), !message.isEmpty { return message }
    switch object["error"] {
    case .string(let message)?: return message
    case .object(let error)?:
      return error.string("message") ?? error.object("data")?.string("message") ?? error.string("name")
    default: return nil
    }
  }
}
