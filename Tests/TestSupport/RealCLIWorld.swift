import Foundation
import JSONKit
import Testing

/// What an end-to-end test with the real CLIs starts from: a temporary folder holding a state home
/// and a git repository with one commit, `multiagent` run against that home, the environment that
/// keeps the real claude offline against a ``FakeModelServer``, and the fake server's script steps
/// such tests share.
public struct RealCLIWorld {
  public let directory: TemporaryDirectory
  public let home: String
  public let repository: String

  /// A new world in a temporary folder named after `prefix`.
  public init(prefix: String) throws {
    directory = try TemporaryDirectory(prefix: prefix)
    home = directory.path("home")
    repository = directory.path("repo")
    try GitRepository.create(at: repository)
  }

  /// Runs `multiagent --home <home> arguments…`.
  public func multiagent(
    _ arguments: [String], _ environment: [String: String], input: String? = nil, timeout: TimeInterval = 150
  ) throws -> CLIRunner.Result {
    try CLIRunner.run(
      ["--home", home] + arguments, environment: environment, timeout: timeout, standardInput: input)
  }

  /// The agent's record (`show NAME --json`, with its `runs`).
  public func record(_ name: String, _ environment: [String: String]) throws -> [String: Any] {
    try #require(try multiagent(["--json", "show", name], environment).json() as? [String: Any])
  }

  /// The environment of a real claude talking to `server`, offline, with a home of its own.
  public func claudeEnvironment(_ server: FakeModelServer) -> [String: String] {
    [
      "HOME": directory.path("user"), "PATH": RealCLIs.binDirectory.path + ":/usr/local/bin:/usr/bin:/bin",
      "TZ": "UTC", "ANTHROPIC_BASE_URL": server.baseURL, "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
      "CLAUDE_CODE_MAX_RETRIES": "0", "DISABLE_AUTOUPDATER": "1",
    ]
  }

  /// A script step whose shell tool call writes the done signal with `result`, after `text`.
  public static func doneStep(_ result: String, text: String = "Finishing.") -> String {
    let shell = "printf '%s' '{\"status\":\"done\",\"result\":\"\(result)\"}' > \"$MULTIAGENT_SIGNAL_FILE\""
    return #"{"text": "# + JSONWriter.string(.string(text)) + #", "shell": "#
      + JSONWriter.string(.string(shell)) + "}"
  }
}
