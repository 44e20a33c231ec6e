import Foundation
import ProviderKit
import Providers
import StateStore
import TestSupport
import Testing

@testable import Credentials

/// Preparing an account for a run: the right variables per provider and kind, every other credential
/// variable removed, private folders and files, Codex's `auth.json`, the user's settings file.
@Suite struct CredentialPreparationTests {
  let fixture: AccountsFixture
  let userHome: String
  let now = Date(timeIntervalSince1970: 1_800_000_000)
  var store: AccountStore { fixture.store }

  init() throws {
    fixture = try AccountsFixture()
    userHome = fixture.directory.path("user")
    try FileManager.default.createDirectory(atPath: userHome, withIntermediateDirectories: true)
  }

  static func definition(_ name: String) throws -> ProviderDefinition {
    try #require(try BuiltinProviders.definitions().first { $0.name == name })
  }

  func handler(_ environment: [String: String] = [:]) -> CredentialHandler {
    CredentialHandler(store: store, environment: ["HOME": userHome].merging(environment) { $1 })
  }

  static func mode(_ path: String) throws -> Int {
    try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
  }

  @Test func claudeAPIKeyGoesInItsVariableAndTheOthersAreRemoved() throws {
    let account = try store.add(provider: "claude", label: "key", secret: .apiKey("sk-ant-KEY"))
    let prepared = try handler().prepare(account, provider: Self.definition("claude"), now: now)
    // Claude's accounts share one config dir (sessions, settings); the account's own folder holds
    // its credentials, through CLAUDE_SECURESTORAGE_CONFIG_DIR.
    let shared = fixture.home + "/accounts/claude/.shared"
    #expect(
      prepared.environment == [
        "CLAUDE_CONFIG_DIR": shared, "CLAUDE_SECURESTORAGE_CONFIG_DIR": account.configDirectory,
        "ANTHROPIC_API_KEY": "sk-ant-KEY",
      ])
    #expect(Set(prepared.unsetEnvironment) == ["ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN"])
    #expect(prepared.configDirectory == shared)
    #expect(try Self.mode(shared) == 0o700)
    #expect(try Self.mode(account.configDirectory) == 0o700)
    #expect(try Self.mode(fixture.home + "/accounts/claude") == 0o700)
    #expect(try store.account(id: account.id)?.lastUsedAt == now)
  }

  @Test func claudeTokenGoesInTheOAuthTokenVariable() throws {
    let account = try store.add(provider: "claude", label: "sub", secret: .token("sk-ant-oat01-TOKEN"))
    let prepared = try handler().prepare(account, provider: Self.definition("claude"), now: now)
    #expect(prepared.environment["CLAUDE_CODE_OAUTH_TOKEN"] == "sk-ant-oat01-TOKEN")
    #expect(prepared.environment["ANTHROPIC_API_KEY"] == nil)
    #expect(Set(prepared.unsetEnvironment) == ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"])
  }

  @Test func codexAPIKeyReachesEveryAuthPath() throws {
    let account = try store.add(provider: "codex", label: "key", secret: .apiKey("sk-proj-KEY\"quoted"))
    let prepared = try handler().prepare(account, provider: Self.definition("codex"), now: now)
    #expect(
      prepared.environment == [
        "CODEX_HOME": account.configDirectory, "CODEX_API_KEY": "sk-proj-KEY\"quoted",
        "OPENAI_API_KEY": "sk-proj-KEY\"quoted",
      ])
    #expect(prepared.unsetEnvironment == ["CODEX_ACCESS_TOKEN"])
    let auth = account.configDirectory + "/auth.json"
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: auth)))
    #expect((object as? [String: String]) == ["OPENAI_API_KEY": "sk-proj-KEY\"quoted"])
    #expect(try Self.mode(auth) == 0o600)
    #expect(try Self.mode(account.configDirectory) == 0o700)

    // Codex has no token variable.
    let token = try store.add(provider: "codex", label: "tok", secret: .token("t"))
    let error = #expect(throws: CredentialError.self) {
      try handler().prepare(token, provider: Self.definition("codex"), now: now)
    }
    #expect(error?.code == .invalidCredentials)
    // An account is only prepared for its own provider.
    let wrong = #expect(throws: CredentialError.self) {
      try handler().prepare(account, provider: Self.definition("claude"), now: now)
    }
    #expect(wrong?.code == .invalidCredentials)
  }

  @Test func geminiHomeGetsItsSubdirectory() throws {
    let account = try store.add(provider: "gemini", label: "key", secret: .apiKey("AIza-KEY"))
    let prepared = try handler().prepare(account, provider: Self.definition("gemini"), now: now)
    #expect(
      prepared.environment == ["GEMINI_CLI_HOME": account.configDirectory, "GEMINI_API_KEY": "AIza-KEY"])
    #expect(prepared.unsetEnvironment == ["GOOGLE_API_KEY"])
    #expect(try Self.mode(account.configDirectory + "/.gemini") == 0o700)
  }

  @Test func theUsersSettingsFileFollowsTheAccount() throws {
    // Codex: the user's CODEX_HOME from the environment.
    let userCodex = fixture.directory.path("my-codex")
    try FileManager.default.createDirectory(atPath: userCodex, withIntermediateDirectories: true)
    try "model = \"gpt-5.5\"\n".write(toFile: userCodex + "/config.toml", atomically: true, encoding: .utf8)
    let codex = try store.add(provider: "codex", label: "key", secret: .apiKey("k"))
    _ = try handler(["CODEX_HOME": userCodex]).prepare(codex, provider: Self.definition("codex"), now: now)
    let copied = codex.configDirectory + "/config.toml"
    #expect(try String(contentsOfFile: copied, encoding: .utf8) == "model = \"gpt-5.5\"\n")
    #expect(try Self.mode(copied) == 0o600)

    // The account's own settings file is never overwritten.
    try "model = \"mine\"\n".write(toFile: copied, atomically: true, encoding: .utf8)
    _ = try handler(["CODEX_HOME": userCodex]).prepare(codex, provider: Self.definition("codex"), now: now)
    #expect(try String(contentsOfFile: copied, encoding: .utf8) == "model = \"mine\"\n")

    // Claude: the default ~/.claude when CLAUDE_CONFIG_DIR is not set.
    try FileManager.default.createDirectory(atPath: userHome + "/.claude", withIntermediateDirectories: true)
    try "{\"model\":\"opus\"}".write(
      toFile: userHome + "/.claude/settings.json", atomically: true, encoding: .utf8)
    let claude = try store.add(provider: "claude", label: "key", secret: .apiKey("k"))
    _ = try handler().prepare(claude, provider: Self.definition("claude"), now: now)
    #expect(
      try String(contentsOfFile: fixture.home + "/accounts/claude/.shared/settings.json", encoding: .utf8)
        == "{\"model\":\"opus\"}")
  }

  @Test func credentialFileAccountsNeedTheirFileAndKeepTheirDirectory() throws {
    let claude = try Self.definition("claude")
    let account = try store.add(provider: "claude", label: "file", secret: .credentialsFile)
    let missing = #expect(throws: CredentialError.self) {
      try handler().prepare(account, provider: claude, now: now)
    }
    #expect(missing?.code == .invalidCredentials)
    #expect(try store.account(id: account.id)?.recentErrorCount == 1)

    // A file far from expiry is used as is (no refresh, no network).
    let expiresAt = Int64((now.timeIntervalSince1970 + 86_400) * 1000)
    let credentials = """
      {"claudeAiOauth":{"accessToken":"sk-ant-oat01-A","refreshToken":"sk-ant-ort01-R","expiresAt":\(expiresAt),\
      "scopes":["user:inference"],"subscriptionType":"max"}}
      """
    let source = fixture.directory.path("creds.json")
    try credentials.write(toFile: source, atomically: true, encoding: .utf8)
    try AccountFiles.installCredentialFile(from: source, into: account, provider: claude)
    let installed = account.configDirectory + "/.credentials.json"
    #expect(try Self.mode(installed) == 0o600)

    let prepared = try handler().prepare(account, provider: claude, now: now)
    #expect(
      prepared.environment == [
        "CLAUDE_CONFIG_DIR": fixture.home + "/accounts/claude/.shared",
        "CLAUDE_SECURESTORAGE_CONFIG_DIR": account.configDirectory,
      ])
    #expect(
      Set(prepared.unsetEnvironment) == [
        "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN",
      ])
    #expect(try String(contentsOfFile: installed, encoding: .utf8) == credentials)
  }

  @Test func importingAConfigDirectoryCopiesCredentialsAndSettings() throws {
    let gemini = try Self.definition("gemini")
    let login = fixture.directory.path("login/.gemini")
    try FileManager.default.createDirectory(atPath: login, withIntermediateDirectories: true)
    try "{\"access_token\":\"x\"}".write(
      toFile: login + "/oauth_creds.json", atomically: true, encoding: .utf8)
    try "{}".write(toFile: login + "/settings.json", atomically: true, encoding: .utf8)
    let account = try store.add(provider: "gemini", label: "g", secret: .credentialsFile)
    // Either the home-like folder or its .gemini subfolder may be given.
    for directory in [login, fixture.directory.path("login")] {
      let copied = try AccountFiles.importConfigDirectory(directory, into: account, provider: gemini)
      #expect(copied == [".gemini/oauth_creds.json"])
      #expect(try Self.mode(account.configDirectory + "/.gemini/oauth_creds.json") == 0o600)
      #expect(FileManager.default.fileExists(atPath: account.configDirectory + "/.gemini/settings.json"))
    }
    let empty = fixture.directory.path("empty")
    try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
    let error = #expect(throws: CredentialError.self) {
      try AccountFiles.importConfigDirectory(empty, into: account, provider: gemini)
    }
    #expect(error?.code == .invalidCredentials)
  }
}
