import MultiAgent
import ProviderKit

/// An error a command reports to the user: a message, how to fix it, and the exit code it causes.
///
/// Printed on stderr as `error: <message>` followed by the hint; with `--json` it is also printed on
/// stdout as `{"error":{"code":"…","message":"…","hint":"…"}}`.
struct CLIError: Error, Sendable, Hashable {
  /// A stable, machine-readable name for the kind of error (`unknown_command`, `invalid_catalog`, …).
  var code: String
  /// What is wrong, in one sentence.
  var message: String
  /// How to fix it, when there is something to say.
  var hint: String?
  /// The exit code this error causes.
  var exitCode: ExitCode

  /// A command-line mistake (exit 2).
  static func usage(_ code: String, _ message: String, hint: String? = nil) -> CLIError {
    CLIError(code: code, message: message, hint: hint, exitCode: .usage)
  }

  /// A failure while running the command (exit 1).
  static func failure(_ code: String, _ message: String, hint: String? = nil) -> CLIError {
    CLIError(code: code, message: message, hint: hint, exitCode: .failure)
  }

  /// The error for a command word that names no command.
  static func unknownCommand(_ word: String, choices: [String], helpCommand: String) -> CLIError {
    var hint = "valid commands: \(choices.joined(separator: ", "))"
    if let guess = Suggestions.closest(to: word, among: choices) {
      hint = "did you mean \"\(guess)\"? " + hint
    }
    return .usage(
      "unknown_command", "unknown command \"\(word)\"",
      hint: hint + "\nsee '\(helpCommand)'")
  }

  /// The error for a provider name that names no provider.
  static func unknownProvider(_ name: String, choices: [String]) -> CLIError {
    var hint = "valid providers: \(choices.joined(separator: ", "))"
    if let guess = Suggestions.closest(to: name, among: choices) {
      hint = "did you mean \"\(guess)\"? " + hint
    }
    return .usage("unknown_provider", "unknown provider \"\(name)\"", hint: hint)
  }

  /// Maps any error a command throws to what the user sees.
  static func from(_ error: any Error) -> CLIError {
    switch error {
    case let error as CLIError: return error
    case let error as AgentError: return error.cliError
    case let error as HostError: return HostOutput.cliError(error)
    case let error as RemoteCommandError:
      return CLIError(
        code: error.code, message: error.message, hint: error.hint,
        exitCode: ExitCode(rawValue: error.exitCode) ?? .failure)
    case let error as StateHomeError:
      // Only resolving the home (no --home, no $MULTIAGENT_HOME, no user home) has this path.
      return .failure(
        "failure", error.description, hint: error.path == "~/.multiagent" ? "or pass --home DIR" : nil)
    case let error as CatalogError:
      let isUserFile = !error.file.hasPrefix("built-in")
      return .failure(
        "invalid_catalog", error.description,
        hint: isUserFile ? "fix or remove \(error.file)" : "this is a bug in multiagent; please report it")
    case let error as ProviderError:
      let exitCode: ExitCode = error.code == .unknownProvider ? .usage : .failure
      return CLIError(code: snakeCase(error.code.rawValue), message: error.message, exitCode: exitCode)
    default:
      return .failure("failure", "\(error)")
    }
  }

  private static func snakeCase(_ name: String) -> String {
    var result = ""
    for character in name {
      if character.isUppercase, !result.isEmpty { result.append("_") }
      result.append(contentsOf: character.lowercased())
    }
    return result
  }
}
