#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Looks at processes this process did not necessarily start: liveness by identity, process
/// groups, sessions. Read-only; never signals anything.
public struct ProcessInspector: Sendable {
  let table: any ProcessTable

  /// An inspector of this machine's processes.
  public init() { self.init(table: SystemProcessTable()) }

  init(table: any ProcessTable) { self.table = table }

  /// Whether the process `identity` describes is still running.
  ///
  /// True only when it ran in this boot (see ``isFromAnotherBoot(_:)``), and a process with that pid
  /// exists, is not a zombie, started at ``ProcessIdentity/startTime`` and has
  /// `MULTIAGENT_SPAWN_ID=<spawnID>` in its environment, so a recycled pid never passes. When the
  /// environment cannot be read (another user's process), or ``ProcessIdentity/spawnID`` is empty,
  /// the start time alone decides; so it does while the environment is still empty — a process
  /// just launched is inside `execve`, which lays the environment out at its end (a recycled pid
  /// would also need the very start time).
  public func isAlive(_ identity: ProcessIdentity) -> Bool {
    guard !isFromAnotherBoot(identity), let snapshot = table.snapshot(of: identity.pid), !snapshot.isZombie,
      snapshot.startTime == identity.startTime
    else { return false }
    guard !identity.spawnID.isEmpty else { return true }
    switch table.environment(of: identity.pid) {
    case .entries(let entries):
      let expected = Array("\(ProcessIdentity.spawnIDVariable)=\(identity.spawnID)".utf8)
      return entries.isEmpty || entries.contains(expected)
    case .unreadable: return true
    case .noSuchProcess: return false
    }
  }

  /// Whether `identity` was recorded in another boot than the running one (the machine rebooted
  /// since, so the process is gone whatever now has its pid). An identity without a boot id
  /// (recorded before boots were kept), or a platform without one, counts as this boot.
  public func isFromAnotherBoot(_ identity: ProcessIdentity) -> Bool {
    guard !identity.bootID.isEmpty else { return false }
    let running = table.bootID()
    return !running.isEmpty && running != identity.bootID
  }

  /// The id of the running boot (`/proc/sys/kernel/random/boot_id` on Linux); empty when the
  /// platform has none.
  public func bootID() -> String { table.bootID() }

  /// When `pid` started, in clock ticks after boot; `nil` when there is no such process.
  public func startTime(of pid: Int32) -> UInt64? { table.snapshot(of: pid)?.startTime }

  /// The process `pid` as the process table shows it now; `nil` when there is no such process.
  public func snapshot(of pid: Int32) -> ProcessSnapshot? { table.snapshot(of: pid) }

  /// Every process in the table now, zombies included.
  public func allSnapshots() -> [ProcessSnapshot] { table.allSnapshots() }

  /// The environment `pid` was started with (`/proc/<pid>/environ` on Linux).
  public func environment(of pid: Int32) -> EnvironmentReading { table.environment(of: pid) }

  /// The pid of the calling process.
  public func currentPID() -> Int32 { table.currentPID() }

  /// The processes whose process group is `processGroupID`.
  ///
  /// - Parameters:
  ///   - processGroupID: The group id (the pid of the process that created the group).
  ///   - includingZombies: Whether exited-but-unreaped processes count; they cannot run anything.
  public func processGroupMembers(_ processGroupID: Int32, includingZombies: Bool = false)
    -> [ProcessSnapshot]
  {
    table.allSnapshots().filter {
      $0.processGroupID == processGroupID && (includingZombies || !$0.isZombie)
    }
  }

  /// The processes whose session is `sessionID`, whatever process group they moved to.
  ///
  /// - Parameters:
  ///   - sessionID: The session id (the pid of the process that called `setsid`).
  ///   - includingZombies: Whether exited-but-unreaped processes count; they cannot run anything.
  public func sessionMembers(_ sessionID: Int32, includingZombies: Bool = false) -> [ProcessSnapshot] {
    table.allSnapshots().filter { $0.sessionID == sessionID && (includingZombies || !$0.isZombie) }
  }

  /// The identity of the calling process; its spawn id is the `MULTIAGENT_SPAWN_ID` it was
  /// started with (empty when it was not started by ``ProcessLauncher``).
  ///
  /// - Throws: ``ProcessError/Code/inspectionFailed`` when the process table cannot be read.
  public func currentIdentity() throws(ProcessError) -> ProcessIdentity {
    let pid = table.currentPID()
    guard let startTime = startTime(of: pid) else {
      throw ProcessError(
        code: .inspectionFailed, message: "cannot read the start time of this process (pid \(pid))")
    }
    let spawnID = table.currentEnvironmentValue(ProcessIdentity.spawnIDVariable) ?? ""
    return ProcessIdentity(pid: pid, startTime: startTime, spawnID: spawnID, bootID: table.bootID())
  }

  /// Waits until the process `identity` describes is no longer alive (see ``isAlive(_:)``).
  ///
  /// For processes that are not our children (a supervisor started by an earlier `multiagent`),
  /// which `waitpid` cannot wait for: polls the process table. A zombie counts as gone.
  ///
  /// - Returns: `true` when it is gone, `false` when `timeout` passed first (or the task was
  ///   cancelled) and it is still alive.
  public func waitUntilGone(_ identity: ProcessIdentity, timeout: Duration) async -> Bool {
    await Polling.until(timeout: timeout) { !isAlive(identity) }
  }
}

/// Polling with a short, growing interval: quick for processes that end at once, cheap for ones
/// that take their time.
enum Polling {
  /// Checks `condition` until it holds or `timeout` passes, sleeping the calling thread in between.
  ///
  /// - Returns: whether `condition` held.
  static func blockingUntil(timeout: Duration, _ condition: () -> Bool) -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    var interval = Duration.milliseconds(2)
    while true {
      if condition() { return true }
      let now = clock.now
      if now >= deadline { return false }
      let pause = min(interval, now.duration(to: deadline))
      usleep(UInt32(clamping: max(pause.wholeMilliseconds, 1) * 1000))
      interval = min(interval * 2, .milliseconds(50))
    }
  }

  /// Checks `condition` until it holds or `timeout` passes.
  ///
  /// - Returns: whether `condition` held.
  static func until(timeout: Duration, _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    var interval = Duration.milliseconds(2)
    while true {
      if condition() { return true }
      let now = clock.now
      if now >= deadline || Task.isCancelled { return false }
      try? await Task.sleep(for: min(interval, now.duration(to: deadline)))
      interval = min(interval * 2, .milliseconds(50))
    }
  }
}
