/// Where a CLI keeps credentials and which environment variables carry them.
public struct CredentialLayout: Sendable, Hashable, Codable {
  /// Credential files inside the config dir.
  public var files: [CredentialFile]
  /// The variable that carries an API key (`ANTHROPIC_API_KEY`, `CODEX_API_KEY`).
  public var apiKeyEnvironmentVariable: String?
  /// The variable that carries a subscription/OAuth token (`CLAUDE_CODE_OAUTH_TOKEN`).
  public var tokenEnvironmentVariable: String?
  /// Every variable the CLI reads credentials from; removed when an account supplies its own, so a
  /// key in the user's shell cannot silently win over the chosen account.
  public var environmentVariables: [String]
  /// How an OAuth credential is refreshed, when the CLI uses one.
  public var oauthRefresh: OAuthRefresh?

  /// Creates a layout.
  public init(
    files: [CredentialFile] = [], apiKeyEnvironmentVariable: String? = nil,
    tokenEnvironmentVariable: String? = nil, environmentVariables: [String] = [],
    oauthRefresh: OAuthRefresh? = nil
  ) {
    self.files = files
    self.apiKeyEnvironmentVariable = apiKeyEnvironmentVariable
    self.tokenEnvironmentVariable = tokenEnvironmentVariable
    self.environmentVariables = environmentVariables
    self.oauthRefresh = oauthRefresh
  }

  /// Decodes; every field is optional.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    files = try c.decodeIfPresent([CredentialFile].self, forKey: .files) ?? []
    apiKeyEnvironmentVariable = try c.decodeIfPresent(String.self, forKey: .apiKeyEnvironmentVariable)
    tokenEnvironmentVariable = try c.decodeIfPresent(String.self, forKey: .tokenEnvironmentVariable)
    environmentVariables = try c.decodeIfPresent([String].self, forKey: .environmentVariables) ?? []
    oauthRefresh = try c.decodeIfPresent(OAuthRefresh.self, forKey: .oauthRefresh)
  }

  private enum CodingKeys: String, CodingKey {
    case files, apiKeyEnvironmentVariable = "apiKeyEnv", tokenEnvironmentVariable = "tokenEnv"
    case environmentVariables = "env", oauthRefresh
  }
}

/// One credential file a CLI reads from its config dir.
public struct CredentialFile: Sendable, Hashable, Codable {
  /// Path relative to the config dir (`.credentials.json`, `auth.json`).
  public var path: String
  /// The file's format (`claude-oauth`, `codex-auth`, `gemini-oauth`, `json`).
  public var format: String

  /// Creates a description.
  public init(path: String, format: String) {
    self.path = path
    self.format = format
  }
}

/// How to refresh an OAuth access token through the provider's token endpoint.
public struct OAuthRefresh: Sendable, Hashable, Codable {
  /// The token endpoint (`https://platform.claude.com/v1/oauth/token`); configurable for tests.
  public var url: String
  /// The public OAuth client id the CLI uses.
  public var clientID: String
  /// Request body encoding: `json` or `form`.
  public var encoding: String

  /// Creates a description.
  public init(url: String, clientID: String, encoding: String = "json") {
    self.url = url
    self.clientID = clientID
    self.encoding = encoding
  }

  private enum CodingKeys: String, CodingKey { case url, clientID = "clientId", encoding }
}
