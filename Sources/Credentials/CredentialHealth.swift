import Foundation
import JSONKit
import ProviderKit

/// What an account's credential files say about themselves, without using them: whether they are
/// there, and when the access token in them expires (for `multiagent doctor`).
public enum CredentialHealth: Sendable, Hashable {
  /// Nothing to check: the account's secret is a key or token held by multiagent.
  case notAFile
  /// The file is missing from the account's folder.
  case missing(path: String)
  /// The file cannot be read as the provider's format.
  case unreadable(path: String, reason: String)
  /// The access token has expired; `refreshable` when the file holds a refresh token (multiagent
  /// refreshes it before the next run).
  case expired(path: String, at: Date, refreshable: Bool)
  /// Present and not expired (`until` when the file says).
  case valid(path: String, until: Date?)

  /// The state of `account`'s credential files for `provider`, at `now`: the first problem found,
  /// else the first file's expiry.
  public static func check(_ account: Account, provider: ProviderDefinition, now: Date) -> CredentialHealth {
    guard account.kind == .credentialsFile else { return .notAFile }
    var firstValid: CredentialHealth?
    for file in provider.credentials.files {
      let path = account.configDirectory + "/" + file.path
      guard let data = FileManager.default.contents(atPath: path) else { return .missing(path: path) }
      guard let root = try? JSONParser.parse(Array(data)) else {
        return .unreadable(path: path, reason: "not valid JSON")
      }
      let (expiry, refresh) = Self.expiry(of: root, format: file.format)
      if let expiry, expiry <= now { return .expired(path: path, at: expiry, refreshable: refresh) }
      if firstValid == nil { firstValid = .valid(path: path, until: expiry) }
    }
    return firstValid ?? .notAFile
  }

  /// The access token's expiry and whether a refresh token is there, for the known formats.
  static func expiry(of root: JSONValue, format: String) -> (Date?, Bool) {
    switch format {
    case "claude-oauth":
      let oauth = root["claudeAiOauth"]
      let expiresAt = oauth?["expiresAt"]?.doubleValue.map { Date(timeIntervalSince1970: $0 / 1000) }
      return (expiresAt, !(oauth?["refreshToken"]?.stringValue ?? "").isEmpty)
    case "codex-auth":
      let tokens = root["tokens"]
      let expiry = tokens?["access_token"]?.stringValue.flatMap(JWTClaims.expiry)
      return (expiry, !(tokens?["refresh_token"]?.stringValue ?? "").isEmpty)
    default:
      return (nil, false)
    }
  }
}
