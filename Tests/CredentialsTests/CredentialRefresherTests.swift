import Foundation
import JSONKit
import ProviderKit
import Providers
import Synchronization
import TestSupport
import Testing

@testable import Credentials

#if canImport(Glibc)
  import Glibc
#endif

/// OAuth refresh of Claude `.credentials.json` and Codex `auth.json` against the fake token endpoint
/// (`POST /oauth/token` of scripts/fake_model_server.py, whose refresh tokens are single-use).
///
/// Concurrency across processes rests on `flock` semantics: a lock belongs to an open file
/// description, and every ``CredentialRefresher/ensureFresh`` call opens the lock file anew, so
/// threads of one process exclude each other exactly as separate processes do. The concurrent test
/// therefore uses threads.
@Suite struct CredentialRefresherTests {
  let directory: TemporaryDirectory
  let claude: ProviderDefinition
  let codex: ProviderDefinition
  let now = Date(timeIntervalSince1970: 1_795_000_000)
  let refresher = CredentialRefresher(requestTimeout: 10, environment: [:])

  init() throws {
    directory = try TemporaryDirectory(prefix: "refresh")
    let definitions = try BuiltinProviders.definitions()
    claude = try #require(definitions.first { $0.name == "claude" })
    codex = try #require(definitions.first { $0.name == "codex" })
  }

  // MARK: - Helpers

  func server(_ script: String) throws -> FakeModelServer {
    try FakeModelServer(script: script, directory: directory.url)
  }

  func tokenURL(_ server: FakeModelServer) -> String { server.baseURL + "/oauth/token" }

  func tokenRequests(_ server: FakeModelServer) throws -> [JSONValue] {
    try server.requests().filter { $0["api"]?.stringValue == "oauth" }
  }

  /// A config dir holding `name` with `text`, mode 0600.
  func configDirectory(_ name: String, file: String, _ text: String) throws -> String {
    let root = directory.path(name)
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    try Data(text.utf8).write(to: URL(fileURLWithPath: root + "/" + file))
    chmod(root + "/" + file, 0o600)
    return root
  }

  func json(_ path: String) throws -> JSONValue {
    try JSONParser.parse(Array(try #require(FileManager.default.contents(atPath: path))))
  }

  func mode(_ path: String) throws -> Int {
    try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
  }

  func claudeCredentials(expiresIn seconds: TimeInterval, refreshToken: String = "refresh-old") -> String {
    let expiresAt = Int((now.timeIntervalSince1970 + seconds) * 1000)
    return """
      {"claudeAiOauth":{"accessToken":"sk-ant-oat01-old-access","refreshToken":"\(refreshToken)",\
      "expiresAt":\(expiresAt),"scopes":["user:inference","user:profile","user:sessions:claude_code"],\
      "subscriptionType":"max","rateLimitTier":"default_claude_max_20x"},"mcpOAuth":{"srv":{"token":"keep-me"}}}
      """
  }

  static func jwt(_ claims: String) -> String {
    func encode(_ text: String) -> String {
      Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
    return encode(#"{"alg":"RS256","typ":"JWT"}"#) + "." + encode(claims) + ".c2lnbmF0dXJl"
  }

  func codexAuth(accessExpiresIn seconds: TimeInterval?, lastRefresh: String = "2026-11-17T10:00:00.123456Z")
    -> String
  {
    let claims =
      seconds.map { #"{"sub":"user-1","exp":\#(Int(now.timeIntervalSince1970 + $0))}"# }
      ?? #"{"sub":"user-1"}"#
    return """
      {
        "OPENAI_API_KEY": null,
        "tokens": {
          "id_token": "\(Self.jwt(#"{"email":"a@example.com","exp":1}"#))",
          "access_token": "\(Self.jwt(claims))",
          "refresh_token": "rt-codex-old",
          "account_id": "acc-1"
        },
        "last_refresh": "\(lastRefresh)"
      }
      """
  }

  /// Runs `body(index)` on `count` threads released together.
  static func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let ready = DispatchSemaphore(value: 0)
    let start = DispatchSemaphore(value: 0)
    let group = DispatchGroup()
    for index in 0..<count {
      group.enter()
      Thread {
        ready.signal()
        start.wait()
        body(index)
        group.leave()
      }.start()
    }
    for _ in 0..<count { ready.wait() }
    for _ in 0..<count { start.signal() }
    group.wait()
  }

  // MARK: - Claude

  @Test func anExpiredClaudeCredentialIsRefreshedOnceAndKeepsItsOtherFields() throws {
    let server = try server(
      #"{"oauth": {"refresh-old": {"access_token": "sk-ant-oat01-new-access", "refresh_token": "refresh-new", "expires_in": 28800, "scope": "user:inference"}}}"#
    )
    let root = try configDirectory("claude-a", file: ".credentials.json", claudeCredentials(expiresIn: -60))
    let path = root + "/.credentials.json"

    #expect(
      try refresher.ensureFresh(
        configDirectory: root, provider: claude, now: now, refreshURLOverride: tokenURL(server)))

    let requests = try tokenRequests(server)
    try #require(requests.count == 1)
    let body = try #require(requests[0]["body"])
    #expect(body["grant_type"]?.stringValue == "refresh_token")
    #expect(body["refresh_token"]?.stringValue == "refresh-old")
    #expect(body["client_id"]?.stringValue == claude.credentials.oauthRefresh?.clientID)
    #expect(body["scope"]?.stringValue == "user:inference user:profile user:sessions:claude_code")

    let file = try json(path)
    let oauth = try #require(file["claudeAiOauth"]?.objectValue)
    #expect(oauth["accessToken"]?.stringValue == "sk-ant-oat01-new-access")
    #expect(oauth["refreshToken"]?.stringValue == "refresh-new")
    #expect(oauth["expiresAt"]?.intValue == Int((now.timeIntervalSince1970 + 28800) * 1000))
    #expect(
      oauth.keys == [
        "accessToken", "refreshToken", "expiresAt", "scopes", "subscriptionType", "rateLimitTier",
      ])
    #expect(oauth["subscriptionType"]?.stringValue == "max")
    #expect(oauth["scopes"]?.arrayValue?.count == 3)
    #expect(file["mcpOAuth"]?["srv"]?["token"]?.stringValue == "keep-me")
    #expect(try mode(path) == 0o600)
    // No temp file left behind; the lock file stays (private).
    let names = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
    #expect(names == [".credentials.json", CredentialRefresher.lockFileName])

    // Fresh now: no second request.
    #expect(
      !(try refresher.ensureFresh(
        configDirectory: root, provider: claude, now: now, refreshURLOverride: tokenURL(server))))
    #expect(try tokenRequests(server).count == 1)
  }

  @Test func aClaudeCredentialKeepsItsRefreshTokenWhenNoneIsReturned() throws {
    let server = try server(#"{"oauth": {"refresh-old": {"access_token": "access-2", "expires_in": 3600}}}"#)
    let root = try configDirectory("claude-a", file: ".credentials.json", claudeCredentials(expiresIn: 120))
    // 120 s left is inside the default 300 s margin.
    #expect(
      try refresher.ensureFresh(
        configDirectory: root, provider: claude, now: now, refreshURLOverride: tokenURL(server)))
    let oauth = try json(root + "/.credentials.json")["claudeAiOauth"]
    #expect(oauth?["accessToken"]?.stringValue == "access-2")
    #expect(oauth?["refreshToken"]?.stringValue == "refresh-old")
  }

  @Test func aValidClaudeCredentialIsNotRefreshed() throws {
    let server = try server(#"{"oauth": {"refresh-old": {"access_token": "never", "expires_in": 3600}}}"#)
    let text = claudeCredentials(expiresIn: 3600)
    let root = try configDirectory("claude-a", file: ".credentials.json", text)
    #expect(
      !(try refresher.ensureFresh(
        configDirectory: root, provider: claude, now: now, refreshURLOverride: tokenURL(server))))
    #expect(try tokenRequests(server).isEmpty)
    #expect(FileManager.default.contents(atPath: root + "/.credentials.json") == Data(text.utf8))
  }

  @Test func aRefusedRefreshFailsClearlyWithoutTokensAndLeavesTheFile() throws {
    let server = try server(
      #"{"oauth": {"refresh-old": {"error": "invalid_grant", "error_description": "Refresh token refresh-old was revoked", "status": 400}}}"#
    )
    let text = claudeCredentials(expiresIn: -10)
    let root = try configDirectory("claude-a", file: ".credentials.json", text)

    let error = #expect(throws: CredentialError.self) {
      try refresher.ensureFresh(
        configDirectory: root, provider: claude, now: now, refreshURLOverride: tokenURL(server))
    }
    #expect(error?.code == .refreshFailed)
    #expect(error?.message.hasPrefix("claude token refresh failed: HTTP 400 invalid_grant") == true)
    #expect(error?.message.contains("refresh-old") == false)
    #expect(error?.message.contains("sk-ant-oat01") == false)
    #expect(error?.message.contains("[redacted]") == true)
    #expect(FileManager.default.contents(atPath: root + "/.credentials.json") == Data(text.utf8))
    #expect(try mode(root + "/.credentials.json") == 0o600)
  }

  @Test func aSpentRefreshTokenIsReportedAsRefreshFailed() throws {
    let server = try server(#"{"oauth": {}}"#)
    let root = try configDirectory("claude-a", file: ".credentials.json", claudeCredentials(expiresIn: -10))
    let error = #expect(throws: CredentialError.self) {
      try refresher.ensureFresh(
        configDirectory: root, provider: claude, now: now, refreshURLOverride: tokenURL(server))
    }
    #expect(error?.message.contains("HTTP 400 invalid_grant") == true)
  }

  @Test func eightConcurrentSpawnsSpendTheSingleUseTokenExactlyOnce() throws {
    // The slow reply keeps the first refresh in flight while the others queue on the lock.
    let server = try server(
      #"{"oauth": {"refresh-old": {"access_token": "sk-ant-oat01-new-access", "refresh_token": "refresh-new", "expires_in": 28800, "delay_ms": 300}}}"#
    )
    let root = try configDirectory("claude-a", file: ".credentials.json", claudeCredentials(expiresIn: -60))
    let url = tokenURL(server)
    let (refresher, claude, now) = (self.refresher, self.claude, self.now)
    let outcomes = Mutex<[String]>([])

    Self.onThreads(8) { _ in
      let outcome: String
      do {
        outcome =
          try refresher.ensureFresh(
            configDirectory: root, provider: claude, now: now, refreshURLOverride: url)
          ? "refreshed" : "fresh"
      } catch {
        outcome = "error: \(error)"
      }
      outcomes.withLock { $0.append(outcome) }
    }

    let results = outcomes.withLock { $0 }
    #expect(results.filter { $0 == "refreshed" }.count == 1, "\(results)")
    #expect(results.filter { $0 == "fresh" }.count == 7, "\(results)")
    #expect(try tokenRequests(server).count == 1)
    let oauth = try json(root + "/.credentials.json")["claudeAiOauth"]
    #expect(oauth?["accessToken"]?.stringValue == "sk-ant-oat01-new-access")
    #expect(oauth?["refreshToken"]?.stringValue == "refresh-new")
  }

  @Test func theTokenURLComesFromTheEnvironmentWhenNotOverridden() throws {
    let server = try server(#"{"oauth": {"refresh-old": {"access_token": "from-env", "expires_in": 3600}}}"#)
    let root = try configDirectory("claude-a", file: ".credentials.json", claudeCredentials(expiresIn: -1))
    #expect(
      CredentialRefresher.tokenURLEnvironmentVariable(provider: "claude")
        == "MULTIAGENT_OAUTH_TOKEN_URL_CLAUDE")
    let refresher = CredentialRefresher(environment: ["MULTIAGENT_OAUTH_TOKEN_URL_CLAUDE": tokenURL(server)])
    #expect(try refresher.ensureFresh(configDirectory: root, provider: claude, now: now))
    #expect(try json(root + "/.credentials.json")["claudeAiOauth"]?["accessToken"]?.stringValue == "from-env")
  }

  // MARK: - Codex

  @Test func anExpiringCodexAccessTokenIsRefreshed() throws {
    let newAccess = Self.jwt(#"{"sub":"user-1","exp":1795100000}"#)
    let server = try server(
      #"{"oauth": {"rt-codex-old": {"id_token": "id-new", "access_token": "\#(newAccess)", "refresh_token": "rt-codex-new"}}}"#
    )
    let root = try configDirectory("codex-a", file: "auth.json", codexAuth(accessExpiresIn: 60))

    #expect(
      try refresher.ensureFresh(
        configDirectory: root, provider: codex, now: now, refreshURLOverride: tokenURL(server)))

    let requests = try tokenRequests(server)
    try #require(requests.count == 1)
    let body = try #require(requests[0]["body"]?.objectValue)
    #expect(body.keys == ["client_id", "grant_type", "refresh_token"])
    #expect(body["client_id"]?.stringValue == "app_EMoamEEZ73f0CkXaXp7hrann")
    #expect(body["refresh_token"]?.stringValue == "rt-codex-old")

    let file = try json(root + "/auth.json")
    #expect(file.objectValue?.keys == ["OPENAI_API_KEY", "tokens", "last_refresh"])
    #expect(file["OPENAI_API_KEY"]?.isNull == true)
    #expect(file["tokens"]?["access_token"]?.stringValue == newAccess)
    #expect(file["tokens"]?["id_token"]?.stringValue == "id-new")
    #expect(file["tokens"]?["refresh_token"]?.stringValue == "rt-codex-new")
    #expect(file["tokens"]?["account_id"]?.stringValue == "acc-1")
    #expect(file["last_refresh"]?.stringValue == "2026-11-18T11:06:40.000000Z")
    #expect(try mode(root + "/auth.json") == 0o600)
  }

  @Test func aCodexTokenFarFromExpiryIsLeftAlone() throws {
    let server = try server(#"{"oauth": {}}"#)
    let root = try configDirectory(
      "codex-a", file: "auth.json", codexAuth(accessExpiresIn: 86400, lastRefresh: "2020-01-01T00:00:00Z"))
    #expect(
      !(try refresher.ensureFresh(
        configDirectory: root, provider: codex, now: now, refreshURLOverride: tokenURL(server))))
    #expect(try tokenRequests(server).isEmpty)
  }

  @Test func withoutAnExpiryCodexRefreshesAfterEightDays() throws {
    let server = try server(#"{"oauth": {"rt-codex-old": {"access_token": "opaque-new", "reusable": true}}}"#)
    // now = 2026-11-18T11:06:40Z: 2 days after last_refresh → not due; 9 days → due.
    let recent = try configDirectory(
      "codex-a", file: "auth.json", codexAuth(accessExpiresIn: nil, lastRefresh: "2026-11-16T11:06:40Z"))
    #expect(
      !(try refresher.ensureFresh(
        configDirectory: recent, provider: codex, now: now, refreshURLOverride: tokenURL(server))))
    let old = try configDirectory(
      "codex-b", file: "auth.json", codexAuth(accessExpiresIn: nil, lastRefresh: "2026-11-09T11:06:40+00:00"))
    #expect(
      try refresher.ensureFresh(
        configDirectory: old, provider: codex, now: now, refreshURLOverride: tokenURL(server)))
    #expect(try json(old + "/auth.json")["tokens"]?["refresh_token"]?.stringValue == "rt-codex-old")
    #expect(try tokenRequests(server).count == 1)
  }

  @Test func anAPIKeyOnlyAuthFileHasNothingToRefresh() throws {
    let root = try configDirectory("codex-a", file: "auth.json", #"{"OPENAI_API_KEY":"sk-test"}"#)
    #expect(
      !(try refresher.ensureFresh(
        configDirectory: root, provider: codex, now: now, refreshURLOverride: "http://127.0.0.1:9/x")))
  }

  // MARK: - Edge cases

  @Test func noCredentialFileMeansNothingToRefresh() throws {
    let root = directory.path("empty")
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    #expect(!(try refresher.ensureFresh(configDirectory: root, provider: claude, now: now)))
    #expect(
      !(try refresher.ensureFresh(configDirectory: directory.path("missing"), provider: codex, now: now)))
  }

  @Test func anIncompleteSuccessReplyIsAFailure() throws {
    let server = try server(#"{"oauth": {"refresh-old": {"token_type": "bearer"}}}"#)
    let text = claudeCredentials(expiresIn: -1)
    let root = try configDirectory("claude-a", file: ".credentials.json", text)
    let error = #expect(throws: CredentialError.self) {
      try refresher.ensureFresh(
        configDirectory: root, provider: claude, now: now, refreshURLOverride: tokenURL(server))
    }
    #expect(error?.code == .refreshFailed)
    #expect(error?.message.contains("without an access_token") == true)
    #expect(FileManager.default.contents(atPath: root + "/.credentials.json") == Data(text.utf8))
  }

  @Test func anUnreachableEndpointIsARefreshFailure() throws {
    // Bind and close a listener to get a port nobody listens on.
    let server = try server("{}")
    let url = tokenURL(server)
    server.stop()
    let root = try configDirectory("claude-a", file: ".credentials.json", claudeCredentials(expiresIn: -1))
    let error = #expect(throws: CredentialError.self) {
      try refresher.ensureFresh(configDirectory: root, provider: claude, now: now, refreshURLOverride: url)
    }
    #expect(error?.code == .refreshFailed)
    #expect(error?.message.contains("claude token refresh failed") == true)
  }

  @Test func aSlowEndpointTimesOutWithoutTouchingTheFile() throws {
    let server = try server(
      #"{"oauth": {"refresh-old": {"access_token": "late", "expires_in": 3600, "delay_ms": 3000}}}"#)
    let text = claudeCredentials(expiresIn: -1)
    let root = try configDirectory("claude-a", file: ".credentials.json", text)
    let impatient = CredentialRefresher(requestTimeout: 1, environment: [:])
    let error = #expect(throws: CredentialError.self) {
      try impatient.ensureFresh(
        configDirectory: root, provider: claude, now: now, refreshURLOverride: tokenURL(server))
    }
    #expect(error?.code == .refreshFailed)
    #expect(error?.message.contains("within 1 s") == true, "\(String(describing: error))")
    #expect(FileManager.default.contents(atPath: root + "/.credentials.json") == Data(text.utf8))
  }

  @Test func plainHTTPIsOnlyAllowedToLocalhost() throws {
    let root = try configDirectory("claude-a", file: ".credentials.json", claudeCredentials(expiresIn: -1))
    let error = #expect(throws: CredentialError.self) {
      try refresher.ensureFresh(
        configDirectory: root, provider: claude, now: now,
        refreshURLOverride: "http://example.com/oauth/token")
    }
    #expect(error?.message.contains("must be https") == true)
  }

  @Test func anExpiredClaudeCredentialWithoutRefreshTokenIsInvalid() throws {
    let root = try configDirectory(
      "claude-a", file: ".credentials.json", claudeCredentials(expiresIn: -1, refreshToken: ""))
    let error = #expect(throws: CredentialError.self) {
      try refresher.ensureFresh(
        configDirectory: root, provider: claude, now: now, refreshURLOverride: "http://127.0.0.1:9/")
    }
    #expect(error?.code == .invalidCredentials)
  }

  @Test func aMalformedCredentialFileIsInvalid() throws {
    let root = try configDirectory("claude-a", file: ".credentials.json", "{not json")
    let error = #expect(throws: CredentialError.self) {
      try refresher.ensureFresh(configDirectory: root, provider: claude, now: now)
    }
    #expect(error?.code == .invalidCredentials)
  }

  @Test func jwtExpiryAndRFC3339Times() throws {
    #expect(JWTClaims.expiry(Self.jwt(#"{"exp":1795000000}"#)) == Date(timeIntervalSince1970: 1_795_000_000))
    #expect(JWTClaims.expiry("opaque-token") == nil)
    #expect(JWTClaims.expiry(Self.jwt(#"{"sub":"x"}"#)) == nil)
    #expect(RFC3339Time.format(now) == "2026-11-18T11:06:40.000000Z")
    #expect(RFC3339Time.parse("2026-11-18T11:06:40.000000Z") == now)
    #expect(RFC3339Time.parse("2026-11-18T11:06:40Z") == now)
    #expect(RFC3339Time.parse("2026-11-18T12:06:40+01:00") == now)
    #expect(
      RFC3339Time.parse("2026-11-18T11:06:40.123456789Z").map {
        abs($0.timeIntervalSince(now) - 0.123456789) < 1e-6
      } == true)
    #expect(RFC3339Time.parse("yesterday") == nil)
    #expect(RFC3339Time.parse("2026-11-18T11:06:40") == nil)
  }

  @Test func theLockExcludesASecondHolderUntilReleased() throws {
    let path = directory.path("lockfile")
    let first = try FileLock.acquire(path: path)
    let error = #expect(throws: CredentialError.self) { try FileLock.acquire(path: path, timeout: 0.2) }
    #expect(error?.message.contains("timed out") == true)
    first.unlock()
    let second = try FileLock.acquire(path: path, timeout: 1)
    second.unlock()
    #expect(try mode(path) == 0o600)
  }
}
