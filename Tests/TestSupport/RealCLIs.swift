import Foundation
import JSONKit
import Testing

/// Locates the real `claude` and `codex` binaries installed by `scripts/install-real-clis.sh`.
///
/// End-to-end tests are skipped with a visible reason when a CLI is absent; `.ci/run` installs
/// both, so CI always runs them.
public enum RealCLIs {
  /// The install script's cache dir (`$MULTIAGENT_CLI_CACHE`, default `~/.cache/multiagent-clis`).
  public static var cacheDirectory: URL {
    if let custom = ProcessInfo.processInfo.environment["MULTIAGENT_CLI_CACHE"], !custom.isEmpty {
      return URL(fileURLWithPath: custom)
    }
    return FileManager.default.homeDirectoryForCurrentUser.appending(path: ".cache/multiagent-clis")
  }

  /// The bin dir holding `claude` and `codex`.
  public static var binDirectory: URL { cacheDirectory.appending(path: "bin") }

  /// The path of the real CLI `name`, if installed.
  public static func path(_ name: String) -> String? {
    let path = binDirectory.appending(path: name).path
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
  }

  /// Whether the real Claude Code CLI is installed.
  public static var hasClaude: Bool { path("claude") != nil }
  /// Whether the real Codex CLI is installed.
  public static var hasCodex: Bool { path("codex") != nil }

  /// The message shown when a real-CLI test is skipped.
  public static let skipReason: Comment =
    "real CLI not installed: run scripts/install-real-clis.sh (.ci/run does)"

  /// Environment for the real Claude CLI talking only to a local fake server.
  ///
  /// - Parameters:
  ///   - server: the fake model server.
  ///   - key: the API key, or the OAuth token when `oauth` is true (then it prints subscriber limits).
  public static func claudeEnvironment(server: FakeModelServer, key: String, oauth: Bool = false) -> [String:
    String]
  {
    var environment = [
      "ANTHROPIC_BASE_URL": server.baseURL,
      "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
      "CLAUDE_CODE_MAX_RETRIES": "0",
      "DISABLE_AUTOUPDATER": "1",
    ]
    environment[oauth ? "CLAUDE_CODE_OAUTH_TOKEN" : "ANTHROPIC_API_KEY"] = key
    return environment
  }

  /// Arguments that point the real Codex CLI at a local fake server, with the key taken from
  /// `CODEX_API_KEY` or the config dir's `auth.json` (as with a real account), no analytics or
  /// plugins (no outside traffic), and no retries.
  public static func codexArguments(server: FakeModelServer) -> [String] {
    [
      "-c", #"model="gpt-5.5""#, "-c", #"model_provider="fake""#, "-c", #"model_providers.fake.name="Fake""#,
      "-c", "model_providers.fake.base_url=\"\(server.baseURL)/v1\"",
      "-c", #"model_providers.fake.wire_api="responses""#,
      "-c", "model_providers.fake.requires_openai_auth=true",
      "-c", "model_providers.fake.request_max_retries=0", "-c", "model_providers.fake.stream_max_retries=0",
      "-c", "analytics.enabled=false", "-c", "check_for_update_on_startup=false", "--disable", "plugins",
    ]
  }

  /// The `"codex": {…}` member of a user providers.json that points `codex exec` at `server`
  /// (headless flags plus ``codexArguments(server:)``), to put inside `{"providers": {…}}`.
  public static func codexCatalogMember(server: FakeModelServer) -> String {
    let arguments =
      ["--json", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"]
      + codexArguments(server: server)
    return #""codex": {"arguments": \#(JSONWriter.string(.array(arguments.map { .string($0) })))}"#
  }

  /// Writes `<home>/providers.json` with only ``codexCatalogMember(server:)``, making the home.
  public static func writeCodexCatalog(server: FakeModelServer, home: String) throws {
    try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
    let catalog = "{\"providers\": {\(codexCatalogMember(server: server))}}"
    try Data(catalog.utf8).write(to: URL(fileURLWithPath: home + "/providers.json"))
  }
}
