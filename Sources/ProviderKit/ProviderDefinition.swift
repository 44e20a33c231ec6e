/// Everything multiagent knows about one coding-agent CLI: a Codable mirror of one entry of
/// `providers.json`.
///
/// Definitions are data so that a user can override a field of a built-in provider, or add a whole
/// new CLI, in `$MULTIAGENT_HOME/providers.json` without recompiling.
public struct ProviderDefinition: Sendable, Hashable, Codable {
  /// The provider's name (`claude`, `codex`, …); the key of its entry in providers.json.
  public var name: String
  /// A human-readable name (`Claude Code`).
  public var displayName: String
  /// The executable: a name looked up on `PATH`, or an absolute path.
  public var binary: String
  /// Other executable names the CLI may be installed as (`agent` for `cursor-agent`).
  public var alternativeBinaries: [String]
  /// Arguments that print the CLI's version.
  public var versionArguments: [String]
  /// The output dialect, which selects the parser (`claude-stream-json`, `codex-exec-json`, …).
  public var dialect: String
  /// Arguments every headless run gets (output format, auto-approval, …), after any prompt subcommand.
  public var arguments: [String]
  /// How the prompt is passed.
  public var prompt: PromptMode
  /// How a prompt too long for one argument (over ``LongPromptDelivery/argumentLimit`` bytes) is
  /// passed; `nil` when the CLI takes its prompt only as an argument, and such a prompt is refused.
  public var longPrompt: LongPromptDelivery?
  /// The flag that selects a model (`--model`), if the CLI has one.
  public var modelFlag: String?
  /// How a session is resumed.
  public var resume: ResumeStyle
  /// Where the session id comes from.
  public var sessionID: SessionIDRule
  /// The config-dir environment variable, if the CLI can be pointed at another config dir.
  public var configDirectory: ConfigDirectory?
  /// Where the CLI keeps credentials and which environment variables carry them.
  public var credentials: CredentialLayout
  /// Where session transcripts live inside a config dir (to move a session between accounts).
  public var sessionFiles: SessionFiles?
  /// Environment variables to set for every run.
  public var environment: [String: String]
  /// Environment variables to set only when running as root (Claude refuses its bypass mode as
  /// root unless `IS_SANDBOX=1`).
  public var rootEnvironment: [String: String]
  /// Environment variables to remove (for example `CLAUDECODE`, which makes a nested Claude refuse).
  public var unsetEnvironment: [String]
  /// Text rules that recognise the account's usage limit.
  public var exhaustion: [ExhaustionRule]
  /// The CLI's live input channel, if it has one (see ``LiveInput``): then the prompt, later
  /// messages and answers to its questions go through its standard input while it runs.
  public var liveInput: LiveInput?
  /// Where the facts in this definition come from, and anything unverified about them.
  public var notes: String?

  /// Creates a definition.
  public init(
    name: String, displayName: String, binary: String, alternativeBinaries: [String] = [],
    versionArguments: [String] = ["--version"], dialect: String, arguments: [String] = [],
    prompt: PromptMode, longPrompt: LongPromptDelivery? = nil, modelFlag: String? = nil, resume: ResumeStyle,
    sessionID: SessionIDRule,
    configDirectory: ConfigDirectory? = nil, credentials: CredentialLayout = CredentialLayout(),
    sessionFiles: SessionFiles? = nil, environment: [String: String] = [:],
    rootEnvironment: [String: String] = [:], unsetEnvironment: [String] = [],
    exhaustion: [ExhaustionRule] = [], notes: String? = nil, liveInput: LiveInput? = nil
  ) {
    self.liveInput = liveInput
    self.name = name
    self.displayName = displayName
    self.binary = binary
    self.alternativeBinaries = alternativeBinaries
    self.versionArguments = versionArguments
    self.dialect = dialect
    self.arguments = arguments
    self.prompt = prompt
    self.longPrompt = longPrompt
    self.modelFlag = modelFlag
    self.resume = resume
    self.sessionID = sessionID
    self.configDirectory = configDirectory
    self.credentials = credentials
    self.sessionFiles = sessionFiles
    self.environment = environment
    self.rootEnvironment = rootEnvironment
    self.unsetEnvironment = unsetEnvironment
    self.exhaustion = exhaustion
    self.notes = notes
  }

  private enum CodingKeys: String, CodingKey {
    case name, displayName, binary, alternativeBinaries, versionArguments, dialect, arguments, prompt
    case longPrompt, modelFlag, resume, sessionID = "sessionId", configDirectory, credentials, sessionFiles
    case environment, rootEnvironment, unsetEnvironment, exhaustion, notes, liveInput
  }

  /// Decodes a definition; optional collections default to empty.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    name = try c.decode(String.self, forKey: .name)
    displayName = try c.decodeIfPresent(String.self, forKey: .displayName) ?? name
    binary = try c.decode(String.self, forKey: .binary)
    alternativeBinaries = try c.decodeIfPresent([String].self, forKey: .alternativeBinaries) ?? []
    versionArguments = try c.decodeIfPresent([String].self, forKey: .versionArguments) ?? ["--version"]
    dialect = try c.decode(String.self, forKey: .dialect)
    arguments = try c.decodeIfPresent([String].self, forKey: .arguments) ?? []
    prompt = try c.decode(PromptMode.self, forKey: .prompt)
    longPrompt = try c.decodeIfPresent(LongPromptDelivery.self, forKey: .longPrompt)
    modelFlag = try c.decodeIfPresent(String.self, forKey: .modelFlag)
    resume = try c.decode(ResumeStyle.self, forKey: .resume)
    sessionID = try c.decode(SessionIDRule.self, forKey: .sessionID)
    configDirectory = try c.decodeIfPresent(ConfigDirectory.self, forKey: .configDirectory)
    credentials = try c.decodeIfPresent(CredentialLayout.self, forKey: .credentials) ?? CredentialLayout()
    sessionFiles = try c.decodeIfPresent(SessionFiles.self, forKey: .sessionFiles)
    environment = try c.decodeIfPresent([String: String].self, forKey: .environment) ?? [:]
    rootEnvironment = try c.decodeIfPresent([String: String].self, forKey: .rootEnvironment) ?? [:]
    unsetEnvironment = try c.decodeIfPresent([String].self, forKey: .unsetEnvironment) ?? []
    exhaustion = try c.decodeIfPresent([ExhaustionRule].self, forKey: .exhaustion) ?? []
    notes = try c.decodeIfPresent(String.self, forKey: .notes)
    liveInput = try c.decodeIfPresent(LiveInput.self, forKey: .liveInput)
  }
}
