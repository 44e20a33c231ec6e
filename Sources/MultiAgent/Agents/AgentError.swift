/// Why an agent operation failed: a code for scripts and exit codes, and a sentence for people.
public struct AgentError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What kind of failure.
  public enum Code: String, Sendable, Hashable {
    /// No provider has that name.
    case unknownProvider = "unknown_provider"
    /// The provider's CLI is not installed.
    case binaryNotFound = "binary_not_found"
    /// The agent name is not valid.
    case invalidName = "invalid_name"
    /// Another agent has that name.
    case nameTaken = "name_taken"
    /// The prompt is missing or empty.
    case missingPrompt = "missing_prompt"
    /// A path given does not exist or cannot be used.
    case invalidPath = "invalid_path"
    /// Git could not give the agent a worktree.
    case worktree = "worktree"
    /// No agent has that name or id.
    case notFound = "not_found"
    /// No account of the provider has that id or label, or it cannot be used.
    case unknownAccount = "unknown_account"
    /// The agent is not in a state that allows the operation.
    case invalidState = "invalid_state"
    /// The answers do not fit the pending questions.
    case invalidAnswer = "invalid_answer"
    /// The provider cannot resume sessions.
    case resumeUnsupported = "resume_unsupported"
    /// Waiting ran out of time.
    case timedOut = "timed_out"
    /// The state database failed.
    case store = "store"
    /// A process could not be started or inspected.
    case process = "process"
    /// The provider catalog is invalid.
    case catalog = "invalid_catalog"
    /// The caller may not do this: an agent's token acts only on the agents it spawned, and a wrong
    /// or missing token never falls back to the user's authority (the CLI exits 77).
    case forbidden = "forbidden"
  }

  /// What kind of failure.
  public var code: Code
  /// What is wrong and how to fix it.
  public var message: String

  /// Creates an error.
  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  /// The message.
  public var description: String { message }
}
