import Foundation
import ProviderKit
import TestSupport
import Testing

/// Subscription credential files with the REAL claude: an expired token is refreshed once through
/// the (local) token endpoint before the CLI starts and persisted 0600; a refresh that fails marks
/// the account and the agent starts on the next account instead.
@Suite(.serialized) struct CredentialRefreshRealCLITests {
  let directory: TemporaryDirectory
  let home: String
  let workspace: String

  init() throws {
    directory = try TemporaryDirectory(prefix: "refresh")
    home = directory.path("home")
    workspace = directory.path("ws")
    try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
  }

  func multiagent(_ arguments: [String], _ environment: [String: String]) throws -> CLIRunner.Result {
    try CLIRunner.run(["--home", home] + arguments, environment: environment, timeout: 180)
  }

  func credentialsFile(_ name: String, access: String, refresh: String, expiresAt: Double) throws -> String {
    let path = directory.path(name)
    let json = """
      {"claudeAiOauth":{"accessToken":"\(access)","refreshToken":"\(refresh)","expiresAt":\(Int(expiresAt * 1000)),\
      "scopes":["user:inference","user:profile"],"subscriptionType":"max"}}
      """
    try Data(json.utf8).write(to: URL(fileURLWithPath: path))
    return path
  }

  func environment(_ server: FakeModelServer) -> [String: String] {
    [
      "HOME": directory.path("user"), "PATH": RealCLIs.binDirectory.path + ":/usr/local/bin:/usr/bin:/bin",
      "TZ": "UTC", "ANTHROPIC_BASE_URL": server.baseURL, "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
      "CLAUDE_CODE_MAX_RETRIES": "0", "DISABLE_AUTOUPDATER": "1",
      "MULTIAGENT_OAUTH_TOKEN_URL_CLAUDE": server.baseURL + "/oauth/token",
    ]
  }

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func expiredTokenIsRefreshedOncePersistedAndUsed() throws {
    let server = try FakeModelServer(
      script: #"""
        {"oauth": {"rt-good": {"access_token": "at-fresh", "refresh_token": "rt-next", "expires_in": 28800}},
         "keys": {"at-fresh": [{"text": "Hello from a fresh token."}]}}
        """#, directory: directory.url)
    defer { server.stop() }
    let env = environment(server)
    let file = try credentialsFile(
      "a.json", access: "at-stale", refresh: "rt-good", expiresAt: Date().timeIntervalSince1970 - 60)
    let added = try multiagent(
      ["accounts", "add", "claude", "--label", "A", "--credentials-file", file], env)
    #expect(added.exitCode == 0, "accounts add: \(added.stderr)")

    let spawned = try multiagent(
      [
        "spawn", "--provider", "claude", "--no-worktree", "--cwd", workspace, "--name", "fresh", "--wait",
        "--timeout", "120", "Say hello.",
      ], env)
    #expect(spawned.exitCode == 0, "spawn: \(spawned.stdout) \(spawned.stderr)")

    let requests = try server.requests()
    #expect(requests.filter { $0["api"]?.stringValue == "oauth" }.count == 1)
    #expect(
      requests.contains { $0["api"]?.stringValue == "anthropic" && $0["key"]?.stringValue == "at-fresh" })
    #expect(!requests.contains { $0["key"]?.stringValue == "at-stale" })

    let accounts = try #require(
      try multiagent(["--json", "accounts", "list"], env).json() as? [[String: Any]])
    let configDirectory = try #require(accounts.first?["config_directory"] as? String)
    let stored = configDirectory + "/.credentials.json"
    let text = try String(contentsOfFile: stored, encoding: .utf8)
    #expect(text.contains("at-fresh") && text.contains("rt-next"))
    let mode = try FileManager.default.attributesOfItem(atPath: stored)[.posixPermissions] as? Int
    #expect(mode == 0o600)
    let directoryMode =
      try FileManager.default.attributesOfItem(atPath: configDirectory)[.posixPermissions] as? Int
    #expect(directoryMode == 0o700)
  }

  @Test(.enabled(if: RealCLIs.hasClaude, RealCLIs.skipReason))
  func failedRefreshMarksTheAccountAndTheNextOneIsUsed() throws {
    let server = try FakeModelServer(
      script: #"""
        {"oauth": {"rt-revoked": {"error": "invalid_grant", "error_description": "Refresh token revoked", "status": 400}},
         "keys": {"at-b": [{"text": "Hello from account B."}]}}
        """#, directory: directory.url)
    defer { server.stop() }
    let env = environment(server)
    let a = try credentialsFile(
      "a.json", access: "at-a", refresh: "rt-revoked", expiresAt: Date().timeIntervalSince1970 - 60)
    let b = try credentialsFile(
      "b.json", access: "at-b", refresh: "rt-b", expiresAt: Date().timeIntervalSince1970 + 86_400)
    #expect(
      try multiagent(["accounts", "add", "claude", "--label", "A", "--credentials-file", a], env).exitCode
        == 0)
    #expect(
      try multiagent(["accounts", "add", "claude", "--label", "B", "--credentials-file", b], env).exitCode
        == 0)

    let spawned = try multiagent(
      [
        "spawn", "--provider", "claude", "--no-worktree", "--cwd", workspace, "--name", "fallback", "--wait",
        "--timeout", "120", "Say hello.",
      ], env)
    #expect(spawned.exitCode == 0, "spawn: \(spawned.stdout) \(spawned.stderr)")
    let record = try #require(try multiagent(["--json", "show", "fallback"], env).json() as? [String: Any])
    let accounts = try #require(
      try multiagent(["--json", "accounts", "list"], env).json() as? [[String: Any]])
    let accountA = try #require(accounts.first { $0["label"] as? String == "A" })
    let accountB = try #require(accounts.first { $0["label"] as? String == "B" })
    #expect(record["account"] as? String == accountB["id"] as? String)
    #expect((accountA["recent_error_count"] as? Int ?? 0) >= 1, "\(accountA)")
    #expect((accountA["last_error"] as? String)?.contains("refresh") == true, "\(accountA)")
    #expect(!((accountA["last_error"] as? String) ?? "").contains("rt-revoked"))
  }
}
