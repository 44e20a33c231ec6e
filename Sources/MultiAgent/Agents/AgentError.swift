/// Why an agent operation failed: a code for scripts and exit codes, a sentence for people, and the
/// lower-level error it came from, when there was one.
public struct AgentError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What kind of failure: a stable name for scripts (`not_found`, `forbidden`, …). New codes may
  /// be added; switch over them with a `default`.
  public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The code's name, as printed in `--json` errors.
    public let rawValue: String

    /// A code called `rawValue`.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The name.
    public var description: String { rawValue }

    /// No provider has that name.
    public static let unknownProvider = Code(rawValue: "unknown_provider")
    /// The provider's CLI is not installed.
    public static let binaryNotFound = Code(rawValue: "binary_not_found")
    /// The agent name is not valid.
    public static let invalidName = Code(rawValue: "invalid_name")
    /// Another agent has that name.
    public static let nameTaken = Code(rawValue: "name_taken")
    /// The prompt is missing or empty.
    public static let missingPrompt = Code(rawValue: "missing_prompt")
    /// The prompt is not text a CLI can be given (it contains a NUL byte).
    public static let invalidPrompt = Code(rawValue: "invalid_prompt")
    /// A path given does not exist or cannot be used.
    public static let invalidPath = Code(rawValue: "invalid_path")
    /// Git could not give the agent a worktree.
    public static let worktree = Code(rawValue: "worktree")
    /// No agent has that name or id.
    public static let notFound = Code(rawValue: "not_found")
    /// No account of the provider has that id or label, or it cannot be used.
    public static let unknownAccount = Code(rawValue: "unknown_account")
    /// The agent is not in a state that allows the operation.
    public static let invalidState = Code(rawValue: "invalid_state")
    /// The answers do not fit the pending questions.
    public static let invalidAnswer = Code(rawValue: "invalid_answer")
    /// A request id (`--request-id`) that is empty, too long or has other characters than letters,
    /// digits, `.`, `_` and `-`.
    public static let invalidRequestID = Code(rawValue: "invalid_request_id")
    /// The prompt (or the resume prompt the answers make) is too long for the provider's CLI: over
    /// ``LongPromptDelivery/argumentLimit`` bytes, for a CLI that takes its prompt only as an argument.
    public static let promptTooLong = Code(rawValue: "prompt_too_long")
    /// The provider cannot resume sessions.
    public static let resumeUnsupported = Code(rawValue: "resume_unsupported")
    /// Waiting ran out of time.
    public static let timedOut = Code(rawValue: "timed_out")
    /// The state database failed.
    public static let store = Code(rawValue: "store")
    /// A process could not be started or inspected.
    public static let process = Code(rawValue: "process")
    /// The provider catalog is invalid.
    public static let catalog = Code(rawValue: "invalid_catalog")
    /// The agent is supervised on another machine that shares the store: what was asked needs its
    /// processes or files, so it must be done there (facts `machine`, `agent`, `action`).
    public static let otherMachine = Code(rawValue: "other_machine")
    /// The caller may not do this: an agent's token acts only on the agents it spawned, and a wrong
    /// or missing token never falls back to the user's authority (the CLI exits 77).
    public static let forbidden = Code(rawValue: "forbidden")
  }

  /// What kind of failure.
  public var code: Code
  /// What is wrong and how to fix it.
  public var message: String

  /// Facts about the failure, for programs and for the front end that words a hint: `agent` (the
  /// name or id given), `provider`, `account`, `field` (the spawn option at fault: `name`, `cwd`,
  /// `maxRunning`, `parent`, `input`, `prompt`, `answer`), `state` (`disabled`, `missingAnswers`), `bytes` and
  /// `limit` (a prompt's size and the most it may have). Never secrets.
  public var facts: [String: String] = [:]

  /// The error this one was made from (a `StoreError`, a `ProcessError`, …), if any.
  public var underlying: (any Error & Sendable)?

  /// Creates an error.
  public init(
    _ code: Code, _ message: String, facts: [String: String] = [:], underlying: (any Error & Sendable)? = nil
  ) {
    self.code = code
    self.message = message
    self.facts = facts
    self.underlying = underlying
  }

  /// Errors are equal when their code and message are.
  public static func == (lhs: AgentError, rhs: AgentError) -> Bool {
    lhs.code == rhs.code && lhs.message == rhs.message
  }

  /// Hashes the code and message.
  public func hash(into hasher: inout Hasher) {
    hasher.combine(code)
    hasher.combine(message)
  }

  /// The message.
  public var description: String { message }
}
