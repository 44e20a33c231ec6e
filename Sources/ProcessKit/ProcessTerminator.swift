/// What ``ProcessTerminator/terminateGroup(_:grace:killTimeout:)`` achieved.
public enum GroupTermination: Sendable, Hashable {
  /// No live process was in the group or session: nothing was signalled.
  case nothingRunning
  /// Every process exited within the grace period after SIGTERM.
  case terminated
  /// Some ignored SIGTERM past the grace period; SIGKILL ended them all.
  case killed
  /// These pids were still there after SIGKILL and the kill timeout (uninterruptible sleep, or a
  /// process this user may not signal).
  case survivors([Int32])
}

/// Stops whole process trees: a process group and its session, grandchildren included.
///
/// Every method runs the same sequence (see ``terminate(grace:killTimeout:members:)``): SIGTERM,
/// up to a grace period for everyone to exit, then SIGKILL to whoever is left, re-listed and
/// re-signalled on every poll, up to a kill timeout.
public struct ProcessTerminator: Sendable {
  let control: any ProcessControl
  let inspector: ProcessInspector

  /// A terminator for this machine's processes.
  public init() { self.init(control: SystemProcessControl(), inspector: ProcessInspector()) }

  init(control: any ProcessControl, inspector: ProcessInspector) {
    self.control = control
    self.inspector = inspector
  }

  /// Ends every process of the group `processGroupID`, and of the session with that id: SIGTERM,
  /// up to `grace` for all to exit, then SIGKILL.
  ///
  /// Session members that moved to another process group of the session are signalled through
  /// their group too, so no orphan survives. Processes that left the session (`setsid`) are out of
  /// reach. Zombies count as gone; processes that vanish before a signal (`ESRCH`) are a success.
  ///
  /// - Parameters:
  ///   - processGroupID: The group (and session) id: the pid of a process ``ProcessLauncher``
  ///     started. Must be greater than 1.
  ///   - grace: How long processes get to exit after SIGTERM.
  ///   - killTimeout: How long to wait for them to disappear after SIGKILL.
  /// - Returns: what happened.
  /// - Important: Never call it for a group or session the caller belongs to.
  public func terminateGroup(
    _ processGroupID: Int32, grace: Duration, killTimeout: Duration = .seconds(5)
  ) async -> GroupTermination {
    precondition(processGroupID > 1, "process group id \(processGroupID) would signal unrelated processes")
    return await terminate(grace: grace, killTimeout: killTimeout) { members(of: processGroupID) }
  }

  /// ``terminateGroup(_:grace:killTimeout:)``, blocking the calling thread instead of suspending.
  public func terminateGroupBlocking(
    _ processGroupID: Int32, grace: Duration, killTimeout: Duration = .seconds(5)
  ) -> GroupTermination {
    precondition(processGroupID > 1, "process group id \(processGroupID) would signal unrelated processes")
    return terminateBlocking(grace: grace, killTimeout: killTimeout) { members(of: processGroupID) }
  }

  /// Ends the process tree that ``ProcessLauncher`` started as `identity` (see
  /// ``terminateGroup(_:grace:killTimeout:)``), even when the leader itself already died and left
  /// children behind.
  ///
  /// Safe against pid reuse: when a process with a different start time now has the leader's pid,
  /// the original group is gone (Linux never reuses a pid while a group or session of that id has
  /// members), and nothing is signalled; nor when `identity` ran in another boot.
  public func terminate(
    _ identity: ProcessIdentity, grace: Duration, killTimeout: Duration = .seconds(5)
  ) async -> GroupTermination {
    guard identity.pid > 1, !inspector.isFromAnotherBoot(identity) else { return .nothingRunning }
    if let leader = inspector.snapshot(of: identity.pid), leader.startTime != identity.startTime {
      return .nothingRunning
    }
    return await terminateGroup(identity.pid, grace: grace, killTimeout: killTimeout)
  }

  /// Ends these processes one by one, never their process groups: SIGTERM, up to `grace`, then
  /// SIGKILL. A process whose pid now names another process (a different start time) is left alone.
  ///
  /// - Returns: what happened; ``GroupTermination/survivors(_:)`` lists the pids still alive.
  public func terminate(
    _ processes: [ProcessSnapshot], grace: Duration, killTimeout: Duration = .seconds(5)
  ) async -> GroupTermination {
    let table = inspector.table
    let control = control
    let teardown = Teardown(
      members: {
        processes.filter { process in
          guard let now = table.snapshot(of: process.pid) else { return false }
          return now.startTime == process.startTime && !now.isZombie
        }
      },
      signal: { number, members in
        for member in members where member.pid > 1 { _ = control.send(number, to: member.pid) }
      })
    return await teardown.run(grace: grace, killTimeout: killTimeout)
  }

  /// Ends whatever `members` lists, with the process groups they are in: SIGTERM to every group and
  /// every member, up to `grace` for `members` to list no one, then SIGKILL to whoever it still
  /// lists, again on every poll, up to `killTimeout`.
  ///
  /// `members` is called before every signal and check, so it may grow (a caller that adopts
  /// orphans adds them). It should list live processes only (zombies are gone). The caller's own
  /// process group and session are never signalled as groups.
  ///
  /// - Returns: what happened.
  public func terminate(
    grace: Duration, killTimeout: Duration = .seconds(5), members: @escaping () -> [ProcessSnapshot]
  ) async -> GroupTermination {
    await Teardown(members: members, signal: groupSignaller()).run(grace: grace, killTimeout: killTimeout)
  }

  /// ``terminate(grace:killTimeout:members:)``, blocking the calling thread instead of suspending.
  public func terminateBlocking(
    grace: Duration, killTimeout: Duration = .seconds(5), members: @escaping () -> [ProcessSnapshot]
  ) -> GroupTermination {
    Teardown(members: members, signal: groupSignaller()).runBlocking(grace: grace, killTimeout: killTimeout)
  }

  /// Live processes in the group or the session `id`.
  private func members(of id: Int32) -> [ProcessSnapshot] {
    inspector.table.allSnapshots().filter {
      !$0.isZombie && ($0.processGroupID == id || $0.sessionID == id)
    }
  }

  /// Signals every group the members are in (never the caller's own group or session), and each
  /// member (a member may have joined a new group since it was listed). Only groups that still have
  /// members: an empty group's id may name a new process by now. `ESRCH` means already gone, which
  /// is the goal.
  private func groupSignaller() -> (Int32, [ProcessSnapshot]) -> Void {
    let control = control
    let own = inspector.table.currentGroupAndSession()
    return { number, members in
      for group in Set(members.map(\.processGroupID))
      where group > 1 && group != own.group && group != own.session {
        _ = control.send(number, to: -group)
      }
      for member in members where member.pid > 1 { _ = control.send(number, to: member.pid) }
    }
  }
}

/// The one teardown sequence: SIGTERM to everyone listed, up to a grace period for all to exit,
/// then SIGKILL to whoever is left, re-listed and re-signalled on every poll (a member may have
/// forked meanwhile), up to a kill timeout.
private struct Teardown {
  /// The processes still to end, listed afresh on each call.
  let members: () -> [ProcessSnapshot]
  /// Sends a signal to these processes (and, as the caller decides, their groups).
  let signal: (Int32, [ProcessSnapshot]) -> Void

  func run(grace: Duration, killTimeout: Duration) async -> GroupTermination {
    guard start() else { return .nothingRunning }
    if await Polling.until(timeout: grace, allGone) { return .terminated }
    return outcome(killed: await Polling.until(timeout: killTimeout, killRemaining))
  }

  func runBlocking(grace: Duration, killTimeout: Duration) -> GroupTermination {
    guard start() else { return .nothingRunning }
    if Polling.blockingUntil(timeout: grace, allGone) { return .terminated }
    return outcome(killed: Polling.blockingUntil(timeout: killTimeout, killRemaining))
  }

  /// SIGTERM to everyone; `false` when no one is there.
  private func start() -> Bool {
    let initial = members()
    guard !initial.isEmpty else { return false }
    signal(SignalNumber.terminate, initial)
    return true
  }

  private func allGone() -> Bool { members().isEmpty }

  private func killRemaining() -> Bool {
    let remaining = members()
    if remaining.isEmpty { return true }
    signal(SignalNumber.kill, remaining)
    return false
  }

  private func outcome(killed: Bool) -> GroupTermination {
    killed ? .killed : .survivors(members().map(\.pid).sorted())
  }
}
