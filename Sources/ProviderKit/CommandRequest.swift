/// What the caller wants from one run: the prompt and where and how to run it.
///
/// Credentials are not part of the argv: the credential handler supplies them as environment
/// variables or files in ``configDirectory``, never as arguments.
public struct CommandRequest: Sendable, Hashable {
  /// The prompt (for a resume: the follow-up message, such as the formatted answers).
  public var prompt: String
  /// The directory the agent works in (its worktree).
  public var workingDirectory: String
  /// The model to ask for, when the provider has a model flag.
  public var model: String?
  /// Extra arguments from the user, placed after the provider's own and before the prompt.
  public var extraArguments: [String]
  /// Extra variables (`MULTIAGENT_AGENT_ID`, `MULTIAGENT_SIGNAL_FILE`, an account's API key, …).
  public var environment: [String: String]
  /// Variables to remove in addition to the provider's own list.
  public var unsetEnvironment: [String]
  /// The account's config dir, exported through the provider's config-dir variable.
  public var configDirectory: String?
  /// Whether the run is as root (some CLIs need extra environment then).
  public var runningAsRoot: Bool

  /// Creates a request.
  public init(
    prompt: String, workingDirectory: String, model: String? = nil, extraArguments: [String] = [],
    environment: [String: String] = [:], unsetEnvironment: [String] = [],
    configDirectory: String? = nil, runningAsRoot: Bool = false
  ) {
    self.prompt = prompt
    self.workingDirectory = workingDirectory
    self.model = model
    self.extraArguments = extraArguments
    self.environment = environment
    self.unsetEnvironment = unsetEnvironment
    self.configDirectory = configDirectory
    self.runningAsRoot = runningAsRoot
  }
}

/// Why a provider cannot build a command.
public struct ProviderError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What kind of failure.
  public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The code's name (stable; printed in messages and `--json` errors).
    public let rawValue: String

    /// A code called `rawValue`.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The name.
    public var description: String { rawValue }

    /// The provider's CLI has no headless resume.
    public static let resumeUnsupported = Code(rawValue: "resumeUnsupported")
    /// A pinned-session provider was given no session id, or a resume no id.
    public static let missingSessionID = Code(rawValue: "missingSessionID")
    /// The session id is not safe to put in an argument.
    public static let invalidSessionID = Code(rawValue: "invalidSessionID")
    /// No provider has that name.
    public static let unknownProvider = Code(rawValue: "unknownProvider")
    /// The provider's output dialect has no parser.
    public static let unknownDialect = Code(rawValue: "unknownDialect")
    /// The prompt is too long for one argument (over ``LongPromptDelivery/argumentLimit`` bytes) and
    /// the provider has no other way to take it (no ``ProviderDefinition/longPrompt``).
    public static let promptTooLong = Code(rawValue: "promptTooLong")
  }

  /// What kind of failure.
  public var code: Code
  /// A sentence saying what is wrong and how to fix it.
  public var message: String

  /// Creates an error.
  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  /// The message.
  public var description: String { message }
}
