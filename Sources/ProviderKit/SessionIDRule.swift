/// Where a run's provider session id comes from.
///
/// In providers.json: `{"source":"event","field":"thread_id"}` (read from the first output line
/// carrying that field) or `{"source":"pinned","flag":"--session-id","field":"session_id"}` (chosen by
/// multiagent up front and passed with the flag; the output confirms it).
public struct SessionIDRule: Sendable, Hashable, Codable {
  /// How the id is obtained.
  public enum Source: String, Sendable, Hashable, Codable {
    /// Read from the output.
    case event
    /// Generated up front (a UUID) and passed with ``SessionIDRule/flag``.
    case pinned
    /// The CLI never reports one.
    case none
  }

  /// How the id is obtained.
  public var source: Source
  /// The JSON field that carries the id in the output (`session_id`, `thread_id`, `sessionID`).
  public var field: String?
  /// For pinned ids: the flag that sets it (`--session-id`).
  public var flag: String?
  /// For pinned ids: how a new id is written.
  public var format: PinnedFormat

  /// How multiagent writes a session id it chooses up front.
  public enum PinnedFormat: String, Sendable, Hashable, Codable {
    /// A lowercase UUID with dashes (`1b4e28ba-2fa1-41d2-883f-0016d3cca427`).
    case uuid
    /// The same 128 bits as 32 lowercase hex digits (OpenHands names conversation folders so).
    case hex
  }

  /// Creates a rule.
  public init(source: Source, field: String? = nil, flag: String? = nil, format: PinnedFormat = .uuid) {
    self.source = source
    self.field = field
    self.flag = flag
    self.format = format
  }

  /// Decodes and checks that a pinned rule names its flag.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    source = try c.decode(Source.self, forKey: .source)
    field = try c.decodeIfPresent(String.self, forKey: .field)
    flag = try c.decodeIfPresent(String.self, forKey: .flag)
    format = try c.decodeIfPresent(PinnedFormat.self, forKey: .format) ?? .uuid
    if source == .pinned, flag?.isEmpty ?? true {
      throw DecodingError.dataCorruptedError(
        forKey: .flag, in: c, debugDescription: "a pinned session id needs the flag that sets it")
    }
  }

  private enum CodingKeys: String, CodingKey { case source, field, flag, format }
}

/// Where a CLI keeps its configuration, and how to point it elsewhere (one dir per account).
public struct ConfigDirectory: Sendable, Hashable, Codable {
  /// The environment variable that relocates the config dir (`CLAUDE_CONFIG_DIR`, `CODEX_HOME`).
  public var environmentVariable: String
  /// The default location (`~/.claude`).
  public var defaultPath: String?
  /// When the variable relocates a *home* (Gemini's `GEMINI_CLI_HOME`), the folder inside it that
  /// holds the files (`.gemini`).
  public var subdirectory: String?
  /// A variable that points the CLI's credential storage elsewhere than its config dir (Claude
  /// Code's `CLAUDE_SECURESTORAGE_CONFIG_DIR`). With one, every account of the provider shares one
  /// config dir — sessions, settings — and this variable points at the account's own folder of
  /// credentials: a session resumes on any account with nothing copied.
  public var credentialsEnvironmentVariable: String?

  /// Creates a description.
  public init(
    environmentVariable: String, defaultPath: String? = nil, subdirectory: String? = nil,
    credentialsEnvironmentVariable: String? = nil
  ) {
    self.environmentVariable = environmentVariable
    self.defaultPath = defaultPath
    self.subdirectory = subdirectory
    self.credentialsEnvironmentVariable = credentialsEnvironmentVariable
  }

  private enum CodingKeys: String, CodingKey {
    case environmentVariable = "env", defaultPath = "default", subdirectory
    case credentialsEnvironmentVariable = "credentialsEnv"
  }
}

/// Where session transcripts live inside a config dir, as glob patterns with `{session}` standing
/// for the session id (`projects/*/{session}.jsonl`; `**` matches any depth).
public struct SessionFiles: Sendable, Hashable, Codable {
  /// Patterns of the transcript file(s) of a session.
  public var patterns: [String]
  /// Patterns of companion files or folders that move with it (`projects/*/{session}`).
  public var companions: [String]
  /// Dotted key paths (`payload.encrypted_content`) of JSON-lines transcript entries bound to the
  /// account that wrote them: a line holding a non-null value at one of them is left out when the
  /// session moves to another account (Codex's reasoning items carry content only the
  /// organization that produced it can send back; the rest of the conversation moves).
  public var accountBound: [String]
  /// JSON registries in the config dir that must list what a session needs before the CLI
  /// resumes it there (Kimi finds a session only through its work dir's entry in `kimi.json`).
  public var registries: [SessionRegistry]

  /// Creates a description.
  public init(
    patterns: [String], companions: [String] = [], accountBound: [String] = [],
    registries: [SessionRegistry] = []
  ) {
    self.patterns = patterns
    self.companions = companions
    self.accountBound = accountBound
    self.registries = registries
  }

  /// Decodes; `companions`, `accountBound` and `registries` default to empty.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    patterns = try c.decodeNonEmpty([String].self, forKey: .patterns)
    companions = try c.decodeIfPresent([String].self, forKey: .companions) ?? []
    accountBound = try c.decodeIfPresent([String].self, forKey: .accountBound) ?? []
    registries = try c.decodeIfPresent([SessionRegistry].self, forKey: .registries) ?? []
  }

  private enum CodingKeys: String, CodingKey { case patterns, companions, accountBound, registries }
}

/// A JSON file in a config dir whose array lists things sessions depend on, one object per entry,
/// told apart by a key: `{"file": "kimi.json", "array": "work_dirs", "key": "path"}`.
///
/// When a session moves, the source's entries whose key the destination's array lacks are added
/// to it (the file is created if missing); the move fails when the source has no such file or
/// the destination does not list every entry afterwards.
public struct SessionRegistry: Sendable, Hashable, Codable {
  /// The file's path inside the config dir (`kimi.json`).
  public var file: String
  /// The top-level member that holds the entries (`work_dirs`).
  public var array: String
  /// The member that identifies an entry (`path`).
  public var key: String

  /// Creates a registry description.
  public init(file: String, array: String, key: String) {
    self.file = file
    self.array = array
    self.key = key
  }
}
