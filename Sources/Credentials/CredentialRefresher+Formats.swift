import Foundation
import JSONKit
import ProviderKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The credential file formats ``CredentialRefresher`` knows how to refresh.
enum OAuthFileFormat: String {
  /// Claude Code's `.credentials.json`.
  case claudeOAuth = "claude-oauth"
  /// Codex's `auth.json`.
  case codexAuth = "codex-auth"

  /// What to send when `credential` is due for a refresh; nil when it is not (or cannot be refreshed
  /// and is still usable).
  func refreshRequest(
    for credential: JSONObject, path: String, now: Date, margin: TimeInterval
  ) throws(CredentialError) -> OAuthRefreshRequest? {
    switch self {
    case .claudeOAuth:
      guard let oauth = credential["claudeAiOauth"]?.objectValue,
        let expiresAt = oauth["expiresAt"]?.doubleValue
      else { return nil }
      let remaining = expiresAt / 1000 - now.timeIntervalSince1970
      guard remaining < margin else { return nil }
      guard let refreshToken = oauth["refreshToken"]?.stringValue, !refreshToken.isEmpty else {
        if remaining > 0 { return nil }
        throw CredentialError(
          .invalidCredentials,
          "the Claude credentials in \(path) have expired and hold no refresh token; log in again")
      }
      let scopes = oauth["scopes"]?.arrayValue?.compactMap(\.stringValue) ?? []
      return OAuthRefreshRequest(
        format: self, refreshToken: refreshToken, scope: scopes.isEmpty ? nil : scopes.joined(separator: " "),
        secrets: [refreshToken, oauth["accessToken"]?.stringValue].compactMap { $0 })
    case .codexAuth:
      guard let tokens = credential["tokens"]?.objectValue,
        let refreshToken = tokens["refresh_token"]?.stringValue, !refreshToken.isEmpty
      else { return nil }
      let accessToken = tokens["access_token"]?.stringValue
      if let expiry = accessToken.flatMap(JWTClaims.expiry) {
        guard expiry.timeIntervalSince(now) < margin else { return nil }
      } else if let last = credential["last_refresh"]?.stringValue.flatMap(RFC3339Time.parse),
        now.timeIntervalSince(last) <= CredentialRefresher.codexRefreshInterval
      {
        return nil
      }
      return OAuthRefreshRequest(
        format: self, refreshToken: refreshToken, scope: nil,
        secrets: [refreshToken, accessToken, tokens["id_token"]?.stringValue].compactMap { $0 })
    }
  }

  /// `credential` with the tokens of a successful refresh `response` written in; every other field kept.
  func apply(
    _ response: JSONObject, to credential: JSONObject, request: OAuthRefreshRequest, now: Date,
    provider: String
  ) throws(CredentialError) -> JSONValue {
    func failure(_ detail: String) -> CredentialError {
      CredentialError(
        .refreshFailed, "\(provider) token refresh failed: the token endpoint answered \(detail)")
    }
    guard let accessToken = response["access_token"]?.stringValue, !accessToken.isEmpty else {
      throw failure("without an access_token")
    }
    let newRefreshToken = response["refresh_token"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    var root = credential
    switch self {
    case .claudeOAuth:
      guard let expiresIn = response["expires_in"]?.doubleValue, expiresIn > 0 else {
        throw failure("without a valid expires_in")
      }
      var oauth = credential["claudeAiOauth"]?.objectValue ?? JSONObject()
      oauth["accessToken"] = .string(accessToken)
      if let newRefreshToken { oauth["refreshToken"] = .string(newRefreshToken) }
      oauth["expiresAt"] = .number(((now.timeIntervalSince1970 + expiresIn) * 1000).rounded())
      root["claudeAiOauth"] = .object(oauth)
    case .codexAuth:
      var tokens = credential["tokens"]?.objectValue ?? JSONObject()
      if let idToken = response["id_token"]?.stringValue, !idToken.isEmpty {
        tokens["id_token"] = .string(idToken)
      }
      tokens["access_token"] = .string(accessToken)
      if let newRefreshToken { tokens["refresh_token"] = .string(newRefreshToken) }
      root["tokens"] = .object(tokens)
      root["last_refresh"] = .string(RFC3339Time.format(now))
    }
    return .object(root)
  }
}

/// The body of one refresh, and the secrets to keep out of error messages.
struct OAuthRefreshRequest {
  /// The file format (decides the body's fields and order).
  var format: OAuthFileFormat
  /// The refresh token to spend.
  var refreshToken: String
  /// Space-joined scopes (Claude).
  var scope: String?
  /// Token texts from the file, redacted from anything the endpoint echoes.
  var secrets: [String]

  /// The request fields, in the order the CLI itself sends them.
  func fields(clientID: String) -> [(String, String)] {
    switch format {
    case .claudeOAuth:
      var fields = [
        ("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", clientID),
      ]
      if let scope { fields.append(("scope", scope)) }
      return fields
    case .codexAuth:
      return [("client_id", clientID), ("grant_type", "refresh_token"), ("refresh_token", refreshToken)]
    }
  }
}

/// Reads claims of a JWT without checking its signature (only to learn when it expires).
enum JWTClaims {
  /// The `exp` claim of `token`, or nil when it is not a JWT or has none.
  static func expiry(_ token: String) -> Date? {
    let parts = token.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count >= 2 else { return nil }
    var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while base64.count % 4 != 0 { base64.append("=") }
    guard let data = Data(base64Encoded: base64), let payload = try? JSONParser.parse([UInt8](data)),
      let exp = payload["exp"]?.doubleValue
    else { return nil }
    return Date(timeIntervalSince1970: exp)
  }
}

/// RFC 3339 timestamps as Codex writes them (`2026-11-21T10:00:00.123456Z`, any offset).
enum RFC3339Time {
  /// UTC with microseconds: `2026-11-21T10:00:00.000000Z`.
  static func format(_ date: Date) -> String {
    var seconds = time_t(floor(date.timeIntervalSince1970))
    var parts = tm()
    gmtime_r(&seconds, &parts)
    let micro = min(
      999_999, Int(((date.timeIntervalSince1970 - floor(date.timeIntervalSince1970)) * 1e6).rounded()))
    func pad(_ value: Int, _ width: Int) -> String {
      let text = String(value)
      return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    return
      "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
      + "T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
      + ".\(pad(micro, 6))Z"
  }

  /// Parses `YYYY-MM-DD[T ]HH:MM:SS[.fraction](Z|±HH:MM)`; nil otherwise.
  static func parse(_ text: String) -> Date? {
    let bytes = Array(text.utf8)
    var index = 0
    func number(_ width: Int) -> Int? {
      guard index + width <= bytes.count else { return nil }
      var value = 0
      for byte in bytes[index..<index + width] {
        guard byte >= 48 && byte <= 57 else { return nil }
        value = value * 10 + Int(byte - 48)
      }
      index += width
      return value
    }
    func expect(_ characters: String) -> Bool {
      guard index < bytes.count, characters.utf8.contains(bytes[index]) else { return false }
      index += 1
      return true
    }
    guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
      expect("Tt "), let hour = number(2), expect(":"), let minute = number(2), expect(":"),
      let second = number(2)
    else { return nil }
    var fraction = 0.0
    if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
      index += 1
      var scale = 0.1
      let start = index
      while index < bytes.count, bytes[index] >= 48 && bytes[index] <= 57 {
        fraction += Double(bytes[index] - 48) * scale
        scale /= 10
        index += 1
      }
      guard index > start else { return nil }
    }
    var offset = 0
    if expect("Zz") {
    } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
      let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
      index += 1
      guard let hours = number(2), expect(":"), let minutes = number(2) else { return nil }
      offset = sign * (hours * 3600 + minutes * 60)
    } else {
      return nil
    }
    guard index == bytes.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60,
      second <= 60
    else { return nil }
    var parts = tm()
    parts.tm_year = Int32(year - 1900)
    parts.tm_mon = Int32(month - 1)
    parts.tm_mday = Int32(day)
    parts.tm_hour = Int32(hour)
    parts.tm_min = Int32(minute)
    parts.tm_sec = Int32(second)
    let seconds = timegm(&parts)
    return Date(timeIntervalSince1970: Double(seconds - offset) + fraction)
  }
}
