import ProcessKit
import ProviderKit

/// Runs `git` with an argv array (never a shell) and captures its output.
struct GitRunner: Sendable {
  /// The git executable: a name looked up on `PATH`, or a path.
  var git: String = "git"

  struct Output {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// Runs `git <arguments>` in `directory` (the current directory when `nil`) and waits for it,
  /// with this process's environment and `overrides`.
  ///
  /// - Returns: its exit code (the signal number when a signal ended it) and output; a failing git
  ///   is a result.
  /// - Throws: `ProcessError` when git cannot be started (not installed, no such directory).
  func run(
    _ arguments: [String], in directory: String? = nil, environment overrides: [String: String] = [:]
  ) throws(ProcessError) -> Output {
    var environment = ProcessEnvironment.current
    environment.merge(overrides) { _, new in new }
    // Never prompt, never page, never read the user's terminal.
    environment["GIT_TERMINAL_PROMPT"] = "0"
    environment["GIT_PAGER"] = "cat"
    let output = try ProcessRunner().run(
      git, arguments: arguments, environment: environment, workingDirectory: directory)
    let status: Int32
    switch output.exit {
    case .exited(let code): status = code
    case .signaled(let signal): status = signal
    }
    return Output(status: status, stdout: output.standardOutputText, stderr: output.standardErrorText)
  }
}
