import JSONKit

/// How a CLI takes input while it runs, for providers that have such a channel: the supervisor keeps
/// the CLI's standard input as a pipe it owns (never a terminal), writes the prompt as the first
/// message, and later messages and replies to the CLI's permission requests as they come.
///
/// In providers.json: `"liveInput": "claude-stream-json"`.
public enum LiveInput: String, Sendable, Hashable, Codable, CaseIterable {
  /// Claude Code's bidirectional mode, the one its Agent SDK drives: `--input-format stream-json`
  /// with `--permission-prompt-tool stdio`. User messages go in as
  /// `{"type":"user","message":{"role":"user","content":…}}` lines; the CLI asks permission with
  /// `control_request` lines (`can_use_tool`; AskUserQuestion arrives this way even with
  /// permissions bypassed) and waits for the matching `control_response`. A user message written
  /// while a turn runs goes into that turn (after a tool result) or makes the next one, so turns
  /// are not counted from messages: with `--replay-user-messages` the CLI echoes each message as it
  /// takes it (a `user` line with `isReplay`), and every message is done with once it was taken and
  /// a `result` line came after it. The CLI exits when its standard input closes.
  case claudeStreamJSON = "claude-stream-json"

  /// The arguments that turn the mode on.
  public var arguments: [String] {
    switch self {
    case .claudeStreamJSON:
      ["--input-format", "stream-json", "--permission-prompt-tool", "stdio", "--replay-user-messages"]
    }
  }

  /// Whether the CLI echoes each user message as it takes it (its arguments ask for that): one not
  /// echoed when the CLI exits was not taken. Claude echoes a message, under the `uuid` it was
  /// written with, with the first reply of the turn that took it (or that turn's error), always
  /// before the turn's `result`.
  public var echoesMessages: Bool {
    switch self {
    case .claudeStreamJSON: true
    }
  }

  /// The line (with its newline) that hands the CLI a user message; with `id` (a UUID), the CLI
  /// echoes the message under that id as it takes it (``AgentEvent/Kind/messageTaken(id:text:)``).
  public func userMessage(_ text: String, id: String? = nil) -> [UInt8] {
    switch self {
    case .claudeStreamJSON:
      let message = JSONObject(keys: ["role", "content"], values: [.string("user"), .string(text)])
      var line = JSONObject(
        keys: ["type", "message", "parent_tool_use_id", "session_id"],
        values: [.string("user"), .object(message), .null, .string("")])
      if let id { line["uuid"] = .string(id) }
      return Array((JSONWriter.string(.object(line)) + "\n").utf8)
    }
  }

  /// The line that allows a permission request, with the tool input to run it with (for
  /// AskUserQuestion: the questions plus `answers`, keyed by question text).
  public func allow(requestID: String, input: JSONValue) -> [UInt8] {
    reply(
      requestID: requestID,
      JSONObject(keys: ["behavior", "updatedInput"], values: [.string("allow"), input]))
  }

  /// The line that denies a permission request; the model reads `message` as the tool's error.
  public func deny(requestID: String, message: String) -> [UInt8] {
    reply(
      requestID: requestID,
      JSONObject(keys: ["behavior", "message"], values: [.string("deny"), .string(message)]))
  }

  private func reply(requestID: String, _ response: JSONObject) -> [UInt8] {
    switch self {
    case .claudeStreamJSON:
      let inner = JSONObject(
        keys: ["subtype", "request_id", "response"],
        values: [.string("success"), .string(requestID), .object(response)])
      let line = JSONObject(
        keys: ["type", "response"], values: [.string("control_response"), .object(inner)])
      return Array((JSONWriter.string(.object(line)) + "\n").utf8)
    }
  }
}

/// A CLI asking, on its live channel, whether it may run a tool (see ``LiveInput``). For Claude's
/// AskUserQuestion the questions are parsed out: answering them is answering the request.
public struct PermissionRequest: Sendable, Hashable, Codable {
  /// The id to answer it by.
  public var requestID: String
  /// The tool (`AskUserQuestion`, `Bash`, …).
  public var toolName: String
  /// The tool call's id in the conversation, when given.
  public var toolUseID: String?
  /// The tool input, as JSON text.
  public var input: String
  /// The questions, for a tool that asks the user (empty otherwise).
  public var questions: [PendingQuestion]

  /// Creates a request.
  public init(
    requestID: String, toolName: String, toolUseID: String? = nil, input: String,
    questions: [PendingQuestion] = []
  ) {
    self.requestID = requestID
    self.toolName = toolName
    self.toolUseID = toolUseID
    self.input = input
    self.questions = questions
  }

  enum CodingKeys: String, CodingKey {
    case requestID = "request_id"
    case toolName = "tool_name"
    case toolUseID = "tool_use_id"
    case input, questions
  }
}
