import Foundation
import JSONKit
import ProcessKit
import ProviderKit

/// The OAuth token endpoint: one synchronous POST with a timeout, whose failures become
/// ``CredentialError`` `.refreshFailed` messages without any token text.
///
/// The request goes through the system's `curl` (argv only, never a shell; the body, which holds the
/// refresh token, on its standard input, never in argv) rather than URLSession: linking
/// FoundationNetworking would load libcurl and some forty more libraries into every `multiagent`
/// process and every agent's supervisor, for a request that happens rarely.
enum TokenEndpoint {
  /// Posts `fields` (JSON object or form body per `encoding`) and returns the JSON object of a 2xx reply.
  ///
  /// - Parameters:
  ///   - secrets: token texts to redact from anything the endpoint echoes into an error message.
  static func post(
    url: URL, fields: [(String, String)], encoding: String, timeout: TimeInterval, provider: String,
    secrets: [String]
  ) throws(CredentialError) -> JSONObject {
    func failure(_ detail: String) -> CredentialError {
      CredentialError(.refreshFailed, "\(provider) token refresh failed: \(redact(detail, secrets))")
    }
    var headers = ["Accept: application/json"]
    let body: String
    switch encoding.lowercased() {
    case "form":
      headers.append("Content-Type: application/x-www-form-urlencoded")
      body = formBody(fields)
    default:
      headers.append("Content-Type: application/json")
      let object = JSONObject(keys: fields.map(\.0), values: fields.map { .string($0.1) })
      body = JSONWriter.string(.object(object))
    }

    let reply: HTTPReply
    switch send(url: url, headers: headers, body: Array(body.utf8), timeout: timeout) {
    case .success(let value): reply = value
    case .failure(.timedOut): throw failure("no answer from \(origin(of: url)) within \(Int(timeout)) s")
    case .failure(.transport(let text)): throw failure("cannot reach \(origin(of: url)): \(text)")
    }
    let parsed = try? JSONParser.parse(reply.body)
    guard (200..<300).contains(reply.status) else {
      throw failure("HTTP \(reply.status)\(errorSummary(parsed, body: reply.body))")
    }
    guard let object = parsed?.objectValue else {
      throw failure("the token endpoint answered HTTP \(reply.status) with a body that is not a JSON object")
    }
    return object
  }

  /// ` invalid_grant: description` from an OAuth error body (`{"error": "…", "error_description": "…"}`
  /// or `{"error": {"type": "…", "message": "…"}}`), else a short note about the body.
  static func errorSummary(_ value: JSONValue?, body: [UInt8]) -> String {
    guard let value else {
      return body.isEmpty ? " (empty body)" : " (a body of \(body.count) bytes that is not JSON)"
    }
    var parts: [String] = []
    if let error = value["error"]?.stringValue {
      parts.append(error)
    } else if let error = value["error"]?.objectValue {
      if let type = error["type"]?.stringValue { parts.append(type) }
      if let message = error["message"]?.stringValue { parts.append(message) }
    }
    if let description = value["error_description"]?.stringValue { parts.append(description) }
    if parts.isEmpty, let message = value["message"]?.stringValue { parts.append(message) }
    guard !parts.isEmpty else { return "" }
    var text = parts.joined(separator: ": ")
    if text.count > 300 { text = String(text.prefix(300)) + "…" }
    return " " + text
  }

  /// `text` with every secret (and anything that looks like a bearer token) replaced by `[redacted]`.
  static func redact(_ text: String, _ secrets: [String]) -> String {
    var text = text
    for secret in secrets where secret.count >= 4 {
      text = text.replacingOccurrences(of: secret, with: "[redacted]")
    }
    return text
  }

  /// `scheme://host[:port]` of a URL (never its path or query, which could carry anything).
  static func origin(of url: URL) -> String {
    var text = (url.scheme ?? "https") + "://" + (url.host ?? "")
    if let port = url.port { text += ":\(port)" }
    return text
  }

  static func formBody(_ fields: [(String, String)]) -> String {
    var allowed = CharacterSet.alphanumerics.intersection(
      CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
    allowed.insert(charactersIn: "-._~")
    func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
    return fields.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
  }

  struct HTTPReply {
    var status: Int
    var body: [UInt8]
  }

  enum TransportFailure: Error {
    case timedOut
    case transport(String)
  }

  /// Posts `body` to `url` with `curl` and waits for the reply, at most `timeout`.
  static func send(url: URL, headers: [String], body: [UInt8], timeout: TimeInterval)
    -> Result<HTTPReply, TransportFailure>
  {
    let seconds = String(max(1, Int(timeout.rounded(.up))))
    var arguments = [
      "-q", "--silent", "--show-error", "--proto", "=http,https", "--max-time", seconds,
      "--request", "POST", "--data-binary", "@-", "--output", "-", "--write-out", "\n%{http_code}",
    ]
    for header in headers { arguments += ["--header", header] }
    arguments.append(url.absoluteString)
    var environment = ProcessEnvironment.current
    environment["CURL_HOME"] = "/nonexistent"  // no user .curlrc can change the request
    let output: ProcessOutput
    do {
      output = try ProcessRunner().run(
        "curl", arguments: arguments, environment: environment, standardInput: body)
    } catch  where error.code == .executableNotFound {
      return .failure(.transport("curl is not installed; install curl to refresh tokens"))
    } catch {
      return .failure(.transport("cannot run curl (\(error.message)); install curl to refresh tokens"))
    }
    switch output.exit {
    case .exited(0):
      // The body, then a newline and the three-digit status written by --write-out.
      let reply = output.standardOutput
      guard let newline = reply.lastIndex(of: UInt8(ascii: "\n")),
        let status = Int(String(decoding: reply[(newline + 1)...], as: UTF8.self))
      else { return .failure(.transport("curl printed no HTTP status")) }
      return .success(HTTPReply(status: status, body: Array(reply[..<newline])))
    case .exited(28):
      return .failure(.timedOut)
    case .exited(let code), .signaled(let code):
      let text = output.standardErrorText.trimmingCharacters(in: .whitespacesAndNewlines)
      return .failure(.transport(text.isEmpty ? "curl exited with status \(code)" : text))
    }
  }
}
