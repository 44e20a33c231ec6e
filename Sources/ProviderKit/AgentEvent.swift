import Foundation

/// One normalized thing an agent CLI reported, whatever its output dialect.
///
/// Every event keeps the byte ``offset`` of the output-log line it came from, so parsing can be
/// replayed from any stored offset and each byte is parsed exactly once. One line may yield several
/// events (a Claude `assistant` line with text and a tool call yields two), all with the same offset.
public struct AgentEvent: Sendable, Hashable {
  /// Byte offset, in the agent's output log, of the line this event came from.
  public var offset: Int64
  /// What happened.
  public var kind: Kind

  /// Creates an event.
  public init(offset: Int64, kind: Kind) {
    self.offset = offset
    self.kind = kind
  }

  /// What an agent CLI reported.
  public enum Kind: Sendable, Hashable {
    /// The CLI started (or resumed) the provider session with this id.
    case sessionStarted(id: String)
    /// Text the assistant wrote.
    case assistantText(String)
    /// The assistant called a tool. `input` is the tool input as JSON text.
    case toolUse(id: String?, name: String, input: String)
    /// A tool call finished.
    case toolResult(id: String?, output: String, isError: Bool)
    /// Token usage and cost reported by the CLI.
    case usage(Usage)
    /// The CLI is retrying after a transient error (never an exhaustion).
    case retrying(attempt: Int?, maxAttempts: Int?, message: String)
    /// The account hit its usage limit; `resetAt` is when it frees up, when the CLI said so.
    case exhausted(resetAt: Date?, message: String)
    /// How much of the account's usage windows is used (a reading, not a limit).
    case quota(QuotaReading)
    /// The agent asked questions through a provider-native channel.
    case question([PendingQuestion])
    /// The CLI asks on its live channel whether it may run a tool, and waits for the answer.
    case permissionRequest(PermissionRequest)
    /// The CLI took a user message written to its live channel — into the turn going on, or as a
    /// new one — and says so by echoing it (Claude's `--replay-user-messages`), with the id the
    /// message was written with. The first is the prompt.
    case messageTaken(id: String?, text: String)
    /// The run ended with this final result.
    case result(text: String?, isError: Bool)
    /// The CLI reported an error (it may or may not end the run; ``result`` or the exit decides).
    case error(message: String)
    /// A line the parser did not understand (kept so nothing is lost).
    case raw(String)
  }
}

/// Token usage and cost of one turn or run, as far as the CLI reports them.
public struct Usage: Sendable, Hashable, Codable {
  /// Input tokens.
  public var inputTokens: Int?
  /// Output tokens.
  public var outputTokens: Int?
  /// Input tokens served from cache.
  public var cachedInputTokens: Int?
  /// Cost in US dollars.
  public var costUSD: Double?

  /// Creates a usage record.
  public init(
    inputTokens: Int? = nil, outputTokens: Int? = nil, cachedInputTokens: Int? = nil,
    costUSD: Double? = nil
  ) {
    self.inputTokens = inputTokens
    self.outputTokens = outputTokens
    self.cachedInputTokens = cachedInputTokens
    self.costUSD = costUSD
  }

  /// snake_case, like every key of the CLI's JSON.
  private enum CodingKeys: String, CodingKey {
    case inputTokens = "input_tokens"
    case outputTokens = "output_tokens"
    case cachedInputTokens = "cached_input_tokens"
    case costUSD = "cost_usd"
  }
}

/// A question an agent needs answered before it can continue.
public struct PendingQuestion: Sendable, Hashable, Codable {
  /// A stable id (`q1`, or the provider's own id) used when answering.
  public var id: String
  /// The question text.
  public var question: String
  /// Suggested answers, possibly empty.
  public var options: [String]
  /// A short header, when the provider gives one.
  public var header: String?

  /// Creates a question.
  public init(id: String, question: String, options: [String] = [], header: String? = nil) {
    self.id = id
    self.question = question
    self.options = options
    self.header = header
  }
}

extension AgentEvent.Kind {
  /// The stable name of this kind, as used in `--json` output (`session_started`, `assistant_text`, …).
  public var name: String {
    switch self {
    case .sessionStarted: "session_started"
    case .assistantText: "assistant_text"
    case .toolUse: "tool_use"
    case .toolResult: "tool_result"
    case .usage: "usage"
    case .retrying: "retrying"
    case .exhausted: "exhausted"
    case .quota: "quota"
    case .question: "question"
    case .permissionRequest: "permission_request"
    case .messageTaken: "message_taken"
    case .result: "result"
    case .error: "error"
    case .raw: "raw"
    }
  }
}
