/// Everything needed to start one process: an argv (never a shell string), an explicit
/// environment, a working directory, and where standard input and output go.
///
/// The process always starts in a new session and process group, with default signal
/// dispositions, an empty signal mask, and no file descriptors beyond 0, 1 and 2.
public struct ProcessLaunchConfiguration: Sendable, Hashable {
  /// Where standard input comes from.
  public enum Input: Sendable, Hashable {
    /// `/dev/null`: a CLI that reads stdin sees end of file at once instead of hanging.
    case null
    /// This file, opened read-only.
    case file(String)
    /// This open file descriptor of the calling process (it stays open in the caller).
    case descriptor(Int32)
  }

  /// Where standard output and standard error go.
  public enum Output: Sendable, Hashable {
    /// `/dev/null`.
    case null
    /// Both appended to this file (`O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW`, mode 0600 when
    /// created); existing content is kept. A symbolic link there is refused, not followed.
    case appendingToFile(String)
    /// These open file descriptors of the calling process (they stay open in the caller).
    case descriptors(standardOutput: Int32, standardError: Int32)
  }

  /// The program: a name looked up on ``environment``'s `PATH`, or a path (absolute, or relative
  /// to ``workingDirectory``). It is also `argv[0]`.
  public var executable: String
  /// The arguments after `argv[0]`.
  public var arguments: [String]
  /// The complete environment of the child: nothing is inherited implicitly.
  /// `MULTIAGENT_SPAWN_ID` is added (and replaced if present) by the launcher.
  public var environment: [String: String]
  /// The directory to start in; `nil` means the caller's current directory.
  public var workingDirectory: String?
  /// Where standard input comes from.
  public var standardInput: Input
  /// Where standard output and standard error go.
  public var output: Output
  /// A descriptor of this process the child gets as its descriptor 3 (every other one beyond the
  /// standard three is closed), e.g. the read end of a pipe the child waits on.
  public var descriptor3: Int32?
  /// The spawn id to give the child (`MULTIAGENT_SPAWN_ID`); `nil` for a fresh random one. Choose it
  /// ahead to record the intent to launch before launching, so that the child can be found by it
  /// should the caller die before recording the child.
  public var spawnID: String?
  /// Whether the launch returns only once the child's environment shows in `/proc` (the end of its
  /// `execve`), so that the child can be found by its spawn id at once — what a caller that may
  /// die right after needs (see ``spawnID``). `false` returns as soon as the child exists, for a
  /// child recorded later: its exec then overlaps the caller's work (``ProcessInspector/isAlive(_:)``
  /// counts a child still inside `execve` as alive).
  public var awaitsExec = true

  /// Creates a configuration.
  ///
  /// - Parameters:
  ///   - executable: A name to look up on `environment["PATH"]`, or a path.
  ///   - arguments: The arguments after `argv[0]`.
  ///   - environment: The child's complete environment.
  ///   - workingDirectory: The directory to start in; `nil` for the caller's.
  ///   - standardInput: Where stdin comes from; `/dev/null` by default.
  ///   - output: Where stdout and stderr go; `/dev/null` by default.
  public init(
    executable: String, arguments: [String] = [], environment: [String: String],
    workingDirectory: String? = nil, standardInput: Input = .null, output: Output = .null
  ) {
    self.executable = executable
    self.arguments = arguments
    self.environment = environment
    self.workingDirectory = workingDirectory
    self.standardInput = standardInput
    self.output = output
  }
}

/// A configuration with everything resolved: what the platform spawner executes.
struct SpawnRequest: Sendable {
  /// The absolute path of the executable.
  var executablePath: String
  /// `argv`, starting with `argv[0]`.
  var argv: [String]
  /// `NAME=value` entries.
  var environment: [String]
  var workingDirectory: String?
  var standardInput: ProcessLaunchConfiguration.Input
  var output: ProcessLaunchConfiguration.Output
  var descriptor3: Int32? = nil
  var awaitsExec = true
}
