/// Everything needed to start one run of an agent CLI: never a shell string.
///
/// The spawner resolves ``executable`` against `PATH` (unless absolute), starts it with exactly
/// ``arguments``, takes the inherited environment minus ``unsetEnvironment`` plus ``environment``,
/// and runs it in ``workingDirectory`` with ``standardInput``.
public struct CommandSpec: Sendable, Hashable, Codable {
  /// What the command reads on standard input.
  public enum StandardInput: Sendable, Hashable, Codable {
    /// `/dev/null` (CLIs that read stdin would otherwise hang on an open pipe).
    case null
    /// This text, then end of file (the prompt, for CLIs that take it on stdin).
    case text(String)
    /// A pipe the supervisor keeps open, the prompt written first as the ``LiveInput`` says.
    case live(LiveInput, prompt: String)
  }

  /// The executable: a name to look up on `PATH`, or an absolute path.
  public var executable: String
  /// The arguments, not including the executable itself.
  public var arguments: [String]
  /// Variables to set (they win over inherited ones).
  public var environment: [String: String]
  /// Inherited variables to remove.
  public var unsetEnvironment: [String]
  /// The directory to run in; `nil` means the spawner's current directory.
  public var workingDirectory: String?
  /// What to feed on standard input.
  public var standardInput: StandardInput
  /// The session id this command pins (Claude `--session-id`) or resumes, when known up front.
  public var sessionID: String?

  /// Creates a command.
  public init(
    executable: String, arguments: [String], environment: [String: String] = [:],
    unsetEnvironment: [String] = [], workingDirectory: String? = nil,
    standardInput: StandardInput = .null, sessionID: String? = nil
  ) {
    self.executable = executable
    self.arguments = arguments
    self.environment = environment
    self.unsetEnvironment = unsetEnvironment
    self.workingDirectory = workingDirectory
    self.standardInput = standardInput
    self.sessionID = sessionID
  }

  /// The environment the command runs with, given the environment it inherits.
  public func resolvedEnvironment(inheriting base: [String: String]) -> [String: String] {
    var result = base
    for name in unsetEnvironment { result.removeValue(forKey: name) }
    result.merge(environment) { _, new in new }
    return result
  }

  /// `executable` followed by `arguments`: the argv of the process.
  public var argv: [String] { [executable] + arguments }
}
