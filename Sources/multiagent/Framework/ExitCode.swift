/// The process exit codes of `multiagent`: a small named set that scripts can rely on.
enum ExitCode: Int32, Sendable, Hashable, CaseIterable {
  /// The command did what was asked.
  case success = 0
  /// The command ran but failed (a CLI did not answer, a file is invalid, …).
  case failure = 1
  /// The command line was wrong: unknown command, option or provider, or a missing argument.
  case usage = 2
  /// The agent is waiting for answers to its questions (`wait`, `show`).
  case waitingForInput = 3
  /// The caller may not do this (an agent token acting outside its own children).
  case forbidden = 77
  /// A wait or check ran past its time limit (the same code as coreutils `timeout`).
  case timedOut = 124
}
