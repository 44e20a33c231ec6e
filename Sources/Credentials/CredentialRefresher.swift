import Foundation
import JSONKit
import ProviderKit

/// Refreshes a CLI's own OAuth credential file (Claude `.credentials.json`, Codex `auth.json`) in an
/// account's config dir before an agent starts, so that a run never begins with an expired token.
///
/// Refresh tokens may be single-use, so two processes (or threads) must never both spend the same
/// one. Every refresh therefore happens under an exclusive `flock` on
/// `<configDirectory>/.multiagent-refresh.lock`, and the credential file is read again once the lock
/// is held: when another process refreshed in the meantime, the file is no longer due and nothing
/// is sent. The new tokens are written back in the same format, every other field kept, through a
/// temp file and a rename (mode 0600).
///
/// Formats (``CredentialFile/format``):
/// - `claude-oauth`: `{"claudeAiOauth": {accessToken, refreshToken, expiresAt (ms), scopes, …}}`;
///   due when `expiresAt` is less than `margin` away.
/// - `codex-auth`: `{OPENAI_API_KEY, tokens: {id_token, access_token, refresh_token, account_id},
///   last_refresh}`; due (only with a refresh token) when the access token's JWT `exp` is less than
///   `margin` away, or, without an `exp`, when `last_refresh` is more than 8 days old or missing.
///
/// Other formats are left alone.
public struct CredentialRefresher: Sendable {
  /// The lock file's name inside the config dir.
  public static let lockFileName = ".multiagent-refresh.lock"
  /// How old a Codex `last_refresh` may be when the access token carries no `exp` (Codex's own rule).
  public static let codexRefreshInterval: TimeInterval = 8 * 24 * 3600

  /// The token request's timeout.
  public var requestTimeout: TimeInterval
  /// How long to wait for another process's refresh (holding the lock) to finish.
  public var lockTimeout: TimeInterval
  /// The environment consulted for `MULTIAGENT_OAUTH_TOKEN_URL_<PROVIDER>`.
  public var environment: [String: String]

  /// Creates a refresher.
  ///
  /// - Parameters:
  ///   - requestTimeout: the token request's timeout (seconds).
  ///   - lockTimeout: how long to wait for the refresh lock (seconds); longer than `requestTimeout`.
  ///   - environment: where token-URL overrides are looked up.
  public init(
    requestTimeout: TimeInterval = 20, lockTimeout: TimeInterval = 90,
    environment: [String: String] = ProcessEnvironment.current
  ) {
    self.requestTimeout = requestTimeout
    self.lockTimeout = lockTimeout
    self.environment = environment
  }

  /// The environment variable that overrides a provider's token URL (for tests):
  /// `MULTIAGENT_OAUTH_TOKEN_URL_CLAUDE`; characters other than letters and digits become `_`.
  public static func tokenURLEnvironmentVariable(provider: String) -> String {
    let name = provider.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? String($0) : "_" }
    return "MULTIAGENT_OAUTH_TOKEN_URL_" + name.joined()
  }

  /// Refreshes every due OAuth credential file of `provider` in `configDirectory`.
  ///
  /// - Parameters:
  ///   - configDirectory: the account's config dir.
  ///   - provider: the provider, whose ``CredentialLayout`` names the files, the token endpoint and
  ///     the client id.
  ///   - now: the current time (expiry checks and the new expiry/`last_refresh` are based on it).
  ///   - refreshURLOverride: a token endpoint to use instead of the definition's (tests). Without
  ///     it, `MULTIAGENT_OAUTH_TOKEN_URL_<PROVIDER>` is used when set, else the definition's URL.
  ///   - margin: refresh when the access token expires within this many seconds.
  /// - Returns: whether this call refreshed a file. `false` when there is no credential file, no
  ///   OAuth refresh for the provider, nothing is due, or another process refreshed first.
  /// - Throws: ``CredentialError`` `.refreshFailed` when the endpoint refuses or fails (the file is
  ///   left unchanged), `.invalidCredentials` when a file is malformed or expired without a refresh
  ///   token, `.io` when a file cannot be read, locked or written. Messages never contain tokens.
  public func ensureFresh(
    configDirectory: String, provider: ProviderDefinition, now: Date, refreshURLOverride: String? = nil,
    margin: TimeInterval = 300
  ) throws(CredentialError) -> Bool {
    guard let oauth = provider.credentials.oauthRefresh else { return false }
    var refreshed = false
    for file in provider.credentials.files {
      guard let format = OAuthFileFormat(rawValue: file.format) else { continue }
      let path = configDirectory + "/" + file.path
      try Self.refuseLink(path)
      // Fast path without the lock: most spawns find a fresh token.
      guard let bytes = try CredentialFileIO.read(path),
        try format.refreshRequest(for: Self.parse(bytes, path: path), path: path, now: now, margin: margin)
          != nil
      else { continue }

      let lockPath = configDirectory + "/" + Self.lockFileName
      let didRefresh = try FileLock.withLock(path: lockPath, timeout: lockTimeout) {
        () throws(CredentialError) -> Bool in
        // Read again under the lock: another process may have refreshed (and spent the token).
        try Self.refuseLink(path)
        guard let bytes = try CredentialFileIO.read(path) else { return false }
        let credential = try Self.parse(bytes, path: path)
        guard let request = try format.refreshRequest(for: credential, path: path, now: now, margin: margin)
        else { return false }
        let url = try tokenURL(provider: provider, oauth: oauth, override: refreshURLOverride)
        let response = try TokenEndpoint.post(
          url: url, fields: request.fields(clientID: oauth.clientID), encoding: oauth.encoding,
          timeout: requestTimeout, provider: provider.name, secrets: request.secrets)
        let updated = try format.apply(
          response, to: credential, request: request, now: now, provider: provider.name)
        try CredentialFileIO.writeAtomically(Array(JSONWriter.string(updated).utf8), to: path)
        return true
      }
      refreshed = refreshed || didRefresh
    }
    return refreshed
  }

  /// The token endpoint: the override, else the environment variable, else the definition's.
  func tokenURL(provider: ProviderDefinition, oauth: OAuthRefresh, override: String?) throws(CredentialError)
    -> URL
  {
    let variable = Self.tokenURLEnvironmentVariable(provider: provider.name)
    let text = override ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 } ?? oauth.url
    guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host,
      !host.isEmpty
    else {
      throw CredentialError(
        .refreshFailed, "\(provider.name) token refresh failed: invalid token URL \(text)")
    }
    let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased())
    guard scheme == "https" || (scheme == "http" && loopback) else {
      throw CredentialError(
        .refreshFailed,
        "\(provider.name) token refresh failed: the token URL must be https (plain http only to localhost): \(text)"
      )
    }
    return url
  }

  /// Parses a credential file (which must hold a JSON object).
  static func parse(_ bytes: [UInt8], path: String) throws(CredentialError) -> JSONObject {
    guard let value = try? JSONParser.parse(bytes), let object = value.objectValue else {
      throw CredentialError(.invalidCredentials, "credential file \(path) is not a JSON object")
    }
    return object
  }

  /// Refuses a credential file that is a symbolic link or not a regular file: refreshing writes the
  /// file, and writing through a link would replace whatever it points at.
  static func refuseLink(_ path: String) throws(CredentialError) {
    guard let status = CredentialFileIO.status(path), status.kind != .file else { return }
    throw CredentialError(
      .io,
      "credential file \(path) is "
        + (status.kind == .directory ? "a folder" : "a symbolic link or not a regular file")
        + "; multiagent does not follow links in its state home: move it away and add the account again")
  }
}
