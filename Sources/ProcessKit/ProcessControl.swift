/// What happened when a signal was sent.
enum SignalDelivery: Sendable, Equatable {
  /// At least one process received it.
  case delivered
  /// No such process or group (`ESRCH`): for termination, the goal is already met.
  case noSuchProcess
  /// Not permitted (`EPERM`): the process belongs to someone else.
  case notPermitted
  /// Another failure, with its `errno`.
  case failed(Int32)
}

/// The platform's actions on processes: spawn, signal, wait, and the few file-system checks the
/// launcher needs before spawning. `posix_spawn` and `waitpid` on Linux.
protocol ProcessControl: Sendable {
  /// Starts the resolved request in a new session; returns the child's pid.
  func spawn(_ request: SpawnRequest) throws(ProcessError) -> Int32
  /// Reaps the child `pid`: blocks until it exits, or with `blocking == false` returns `nil` at
  /// once when it is still running.
  func waitForExit(_ pid: Int32, blocking: Bool) throws(ProcessError) -> ExitStatus?
  /// Sends `signal` to `pid`, or to the process group `-pid` when `pid` is negative.
  func send(_ signal: Int32, to pid: Int32) -> SignalDelivery
  /// Runs `body` on a new thread of its own (for blocking waits that must not hold a task).
  func runOnDedicatedThread(_ body: @escaping @Sendable () -> Void)
  /// Whether `path` is a regular file this process may execute.
  func isExecutableFile(_ path: String) -> Bool
  /// Whether `path` is a directory.
  func isDirectory(_ path: String) -> Bool
  /// The current working directory.
  func currentDirectory() -> String?
  /// The absolute path of the running executable.
  func currentExecutablePath() -> String?
}

/// Signal numbers: the same on Linux, the BSDs and Darwin.
enum SignalNumber {
  static let terminate: Int32 = 15  // SIGTERM
  static let kill: Int32 = 9  // SIGKILL
}
