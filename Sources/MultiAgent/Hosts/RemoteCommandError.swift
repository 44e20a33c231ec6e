import JSONKit

/// A command the host's multiagent refused or failed: its own error code, message, hint and exit
/// code, as it printed them (`--json`), so the controller reports what the host said.
public struct RemoteCommandError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The host's name in multiagent.
  public var host: String
  /// The host's error code (`invalid_state`, `not_found`, …), or `remote_failed` when it gave none.
  public var code: String
  /// The host's message, naming the host.
  public var message: String
  /// The host's hint, if any.
  public var hint: String?
  /// The exit code of the host's multiagent.
  public var exitCode: Int32

  /// Creates an error.
  public init(host: String, code: String, message: String, hint: String? = nil, exitCode: Int32) {
    self.host = host
    self.code = code
    self.message = message
    self.hint = hint
    self.exitCode = exitCode
  }

  /// The error a failed `--json` run printed: its `{"error":{…}}` on standard output, else the
  /// first lines of its standard error.
  static func parse(standardOutput: String, standardError: String, exitCode: Int32, host: String)
    -> RemoteCommandError
  {
    let candidates = [standardOutput] + standardError.split(whereSeparator: \.isNewline).map(String.init)
    for text in candidates {
      if let error = try? JSONParser.parse(text), let body = error["error"],
        let message = body["message"]?.stringValue
      {
        return RemoteCommandError(
          host: host, code: body["code"]?.stringValue ?? "remote_failed",
          message: "on host \(host): " + message,
          hint: body["hint"]?.stringValue, exitCode: exitCode)
      }
    }
    return RemoteCommandError(
      host: host, code: "remote_failed", message: "on host \(host): " + Hosts.remoteMessage(standardError),
      exitCode: exitCode)
  }

  /// The message.
  public var description: String { message }
}
