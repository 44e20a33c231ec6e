/// How a process ended: a result, never an error.
public enum ExitStatus: Sendable, Hashable, Codable, CustomStringConvertible {
  /// It called `exit` (or returned from `main`) with this code, 0–255.
  case exited(Int32)
  /// A signal ended it (e.g. 9 for SIGKILL, 15 for SIGTERM).
  case signaled(Int32)

  /// Whether it exited with code 0.
  public var isSuccess: Bool { self == .exited(0) }

  /// Decodes a status word filled in by `waitpid`.
  ///
  /// `WIFEXITED`, `WEXITSTATUS` and `WTERMSIG` are C macros Swift cannot import, so the layout is
  /// decoded here: the low 7 bits are the terminating signal (0 when the process exited), the next
  /// byte is the exit code. The layout is the same on Linux and Darwin.
  ///
  /// - Returns: `nil` for a stopped or continued status (only reported with `WUNTRACED` /
  ///   `WCONTINUED`, which the launcher never passes).
  public init?(waitStatus status: Int32) {
    let signal = status & 0x7f
    if signal == 0 {
      self = .exited((status >> 8) & 0xff)
    } else if signal != 0x7f, status != 0xffff {
      self = .signaled(signal)
    } else {
      return nil
    }
  }

  /// `exited(3)` or `signaled(9)`.
  public var description: String {
    switch self {
    case .exited(let code): "exited(\(code))"
    case .signaled(let signal): "signaled(\(signal))"
    }
  }
}
