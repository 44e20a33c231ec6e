import Foundation
import MultiAgent
import ProcessKit
import ProviderKit

/// Runs a ``CommandSpec`` to completion for tests, with the product's own ``ProcessLauncher``:
/// argv exactly as built (never a shell), own session, clean signal mask and dispositions.
///
/// Foundation's `Process` is not used on purpose: its children inherit the test runner's blocked
/// signals, and Codex then never notices its tool processes exit (tokio waits on SIGCHLD).
public enum CommandRunner {
  /// What a finished command produced.
  public struct Output: Sendable {
    /// The exit status (or 128 + signal).
    public var exitCode: Int32
    /// Everything written to stdout.
    public var stdout: [UInt8]
    /// Everything written to stderr.
    public var stderr: String
  }

  /// Runs `command` with the given base environment (default: a minimal HOME, PATH, TZ).
  public static func run(_ command: CommandSpec, environment base: [String: String]? = nil) throws -> Output {
    let inherited = ProcessInfo.processInfo.environment
    let environment = command.resolvedEnvironment(
      inheriting: base
        ?? ["HOME": inherited["HOME"] ?? "/root", "PATH": inherited["PATH"] ?? "/usr/bin:/bin", "TZ": "UTC"])
    let scratch = try TemporaryDirectory(prefix: "cmd")
    let stdoutPath = scratch.path("stdout")
    let stderrPath = scratch.path("stderr")
    let out = open(stdoutPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    let err = open(stderrPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    defer {
      close(out)
      close(err)
    }
    var input = ProcessLaunchConfiguration.Input.null
    switch command.standardInput {
    case .text(let text):
      let path = scratch.path("stdin")
      try Data(text.utf8).write(to: URL(fileURLWithPath: path))
      input = .file(path)
    case .live(let mode, let prompt):
      // One message, then end of input: the CLI runs that one turn and exits.
      let path = scratch.path("stdin")
      try Data(mode.userMessage(prompt)).write(to: URL(fileURLWithPath: path))
      input = .file(path)
    case .null: break
    }
    let launcher = ProcessLauncher()
    let identity = try launcher.launch(
      ProcessLaunchConfiguration(
        executable: command.executable, arguments: command.arguments, environment: environment,
        workingDirectory: command.workingDirectory, standardInput: input,
        output: .descriptors(standardOutput: out, standardError: err)))
    let status = try launcher.waitForExit(identity.pid)
    let code: Int32
    switch status {
    case .exited(let value): code = value
    case .signaled(let signal): code = 128 + signal
    }
    return Output(
      exitCode: code, stdout: Array((try? Data(contentsOf: URL(fileURLWithPath: stdoutPath))) ?? Data()),
      stderr: (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "")
  }
}
