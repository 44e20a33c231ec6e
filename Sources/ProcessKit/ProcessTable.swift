/// One process as the process table showed it at one instant.
public struct ProcessSnapshot: Sendable, Hashable {
  /// The process id.
  public var pid: Int32
  /// The parent's process id.
  public var parentPID: Int32
  /// The process group id.
  public var processGroupID: Int32
  /// The session id.
  public var sessionID: Int32
  /// The scheduler state letter: `R` running, `S` sleeping, `D` uninterruptible, `Z` zombie, …
  public var state: Character
  /// When the process started, in clock ticks after boot.
  public var startTime: UInt64

  /// Creates a snapshot.
  public init(
    pid: Int32, parentPID: Int32, processGroupID: Int32, sessionID: Int32, state: Character,
    startTime: UInt64
  ) {
    self.pid = pid
    self.parentPID = parentPID
    self.processGroupID = processGroupID
    self.sessionID = sessionID
    self.state = state
    self.startTime = startTime
  }

  /// Whether the process has exited and only waits to be reaped (`Z`, or `X` while being removed).
  public var isZombie: Bool { state == "Z" || state == "X" || state == "x" }
}

/// What reading a process's environment gave.
public enum EnvironmentReading: Sendable, Equatable {
  /// The `NAME=value` entries.
  case entries([[UInt8]])
  /// The process exists but its environment may not be read (another user's process).
  case unreadable
  /// There is no such process.
  case noSuchProcess
}

/// The platform's process table: read-only views of running processes (`/proc` on Linux).
protocol ProcessTable: Sendable {
  /// The process `pid`, or `nil` when there is none.
  func snapshot(of pid: Int32) -> ProcessSnapshot?
  /// Every process currently in the table.
  func allSnapshots() -> [ProcessSnapshot]
  /// The environment `pid` was started with.
  func environment(of pid: Int32) -> EnvironmentReading
  /// The pid of the calling process.
  func currentPID() -> Int32
  /// The value of `name` in the calling process's environment.
  func currentEnvironmentValue(_ name: String) -> String?
  /// The process group and the session of the calling process.
  func currentGroupAndSession() -> (group: Int32, session: Int32)
  /// The id of the running boot; empty when the platform has none to read.
  func bootID() -> String
}
