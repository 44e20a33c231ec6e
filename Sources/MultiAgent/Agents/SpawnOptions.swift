/// What the user asks for when spawning an agent.
public struct SpawnOptions: Sendable, Hashable {
  /// The provider (`claude`, `codex`, …).
  public var provider: String
  /// The task.
  public var prompt: String
  /// The agent's name; a readable one is generated when `nil`.
  public var name: String?
  /// The directory the agent works from (its repository when a worktree is made).
  public var cwd: String?
  /// The commit the worktree starts from (default `HEAD` of the repository containing ``cwd``).
  public var base: String?
  /// Whether to give the agent its own git worktree (default) or run in ``cwd`` itself.
  public var useWorktree: Bool
  /// Context files copied into the agent's state directory and listed in its prompt.
  public var inputFiles: [String]
  /// The model, for providers with a model flag.
  public var model: String?
  /// Extra arguments for the provider's CLI.
  public var extraArguments: [String]
  /// A task id of the user's, kept with the agent.
  public var taskID: String?
  /// The agent that spawned this one.
  public var parentID: String?
  /// Whether the agent keeps running when its parent completes or fails (it is still stopped and
  /// deleted with its parent).
  public var detachFromParent: Bool
  /// The account to run on (id or label); `nil` picks the least recently used available one.
  public var account: String?
  /// With ``account``: rotate to other accounts when it is exhausted (otherwise it is pinned).
  public var rotate: Bool
  /// The providers to continue on, in order, when this one cannot go on; `nil` takes the
  /// `fallback` map of `<home>/config.json`, `[]` means none (see ``RotationSettings``).
  public var fallback: [String]?
  /// Whether the agent reports to its parent when it settles; `nil`: yes for a child spawned from
  /// inside an agent (its parent then learns of it in its own session), no otherwise.
  public var reportToParent: Bool?

  /// Creates options.
  public init(
    provider: String, prompt: String, name: String? = nil, cwd: String? = nil, base: String? = nil,
    useWorktree: Bool = true, inputFiles: [String] = [], model: String? = nil, extraArguments: [String] = [],
    taskID: String? = nil, parentID: String? = nil, account: String? = nil, rotate: Bool = false,
    detachFromParent: Bool = false, fallback: [String]? = nil, reportToParent: Bool? = nil
  ) {
    self.reportToParent = reportToParent
    self.fallback = fallback
    self.detachFromParent = detachFromParent
    self.account = account
    self.rotate = rotate
    self.provider = provider
    self.prompt = prompt
    self.name = name
    self.cwd = cwd
    self.base = base
    self.useWorktree = useWorktree
    self.inputFiles = inputFiles
    self.model = model
    self.extraArguments = extraArguments
    self.taskID = taskID
    self.parentID = parentID
  }
}

/// How to answer an agent's pending questions.
public enum Answers: Sendable, Hashable {
  /// One answer per question id.
  case byID([String: String])
  /// One free-text answer to everything.
  case freeText(String)
}
