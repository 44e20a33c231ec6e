import Dispatch
import Foundation
import ProviderKit

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The OAuth token endpoint: one synchronous POST through URLSession, with a timeout, whose failures
/// become ``CredentialError`` `.refreshFailed` messages without any token text.
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
    var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
    request.httpMethod = "POST"
    request.setValue("application/json", forHTTPHeaderField: "Accept")
    switch encoding.lowercased() {
    case "form":
      request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
      request.httpBody = Data(formBody(fields).utf8)
    default:
      request.setValue("application/json", forHTTPHeaderField: "Content-Type")
      let object = JSONObject(keys: fields.map(\.0), values: fields.map { .string($0.1) })
      request.httpBody = Data(JSONWriter.string(.object(object)).utf8)
    }

    let reply: HTTPReply
    switch send(request, timeout: timeout) {
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

  /// Holds the completion handler's result for the waiting thread.
  private final class ReplyBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Result<HTTPReply, TransportFailure>?
    func set(_ value: Result<HTTPReply, TransportFailure>) {
      lock.lock()
      defer { lock.unlock() }
      stored = value
    }
    var value: Result<HTTPReply, TransportFailure>? {
      lock.lock()
      defer { lock.unlock() }
      return stored
    }
  }

  /// Sends `request` and waits for the reply, at most `timeout` (plus a little slack).
  static func send(_ request: URLRequest, timeout: TimeInterval) -> Result<HTTPReply, TransportFailure> {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.timeoutIntervalForRequest = timeout
    configuration.timeoutIntervalForResource = timeout
    configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
    configuration.urlCache = nil
    configuration.httpCookieStorage = nil
    configuration.httpShouldSetCookies = false
    let session = URLSession(configuration: configuration)
    defer { session.finishTasksAndInvalidate() }
    let box = ReplyBox()
    let done = DispatchSemaphore(value: 0)
    let task = session.dataTask(with: request) { data, response, error in
      if let error {
        let code = (error as? URLError)?.code
        box.set(.failure(code == .timedOut ? .timedOut : .transport(error.localizedDescription)))
      } else if let http = response as? HTTPURLResponse {
        box.set(.success(HTTPReply(status: http.statusCode, body: [UInt8](data ?? Data()))))
      } else {
        box.set(.failure(.transport("not an HTTP response")))
      }
      done.signal()
    }
    task.resume()
    guard done.wait(timeout: .now() + timeout + 5) == .success, let result = box.value else {
      task.cancel()
      return .failure(.timedOut)
    }
    return result
  }
}
