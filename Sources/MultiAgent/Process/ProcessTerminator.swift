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
    let initial = members(of: processGroupID)
    guard !initial.isEmpty else { return .nothingRunning }
    signal(SignalNumber.terminate, group: processGroupID, members: initial)
    if await Polling.until(timeout: grace, { members(of: processGroupID).isEmpty }) { return .terminated }

    // SIGKILL whoever is left, again on every poll: a member may have forked meanwhile.
    let gone = await Polling.until(timeout: killTimeout) {
      let remaining = members(of: processGroupID)
      if remaining.isEmpty { return true }
      signal(SignalNumber.kill, group: processGroupID, members: remaining)
      return false
    }
    return gone ? .killed : .survivors(members(of: processGroupID).map(\.pid).sorted())
  }

  /// Ends the process tree that ``ProcessLauncher`` started as `identity` (see
  /// ``terminateGroup(_:grace:killTimeout:)``), even when the leader itself already died and left
  /// children behind.
  ///
  /// Safe against pid reuse: when a process with a different start time now has the leader's pid,
  /// the original group is gone (Linux never reuses a pid while a group or session of that id has
  /// members), and nothing is signalled.
  public func terminate(
    _ identity: ProcessIdentity, grace: Duration, killTimeout: Duration = .seconds(5)
  ) async -> GroupTermination {
    guard identity.pid > 1 else { return .nothingRunning }
    if let leader = inspector.snapshot(of: identity.pid), leader.startTime != identity.startTime {
      return .nothingRunning
    }
    return await terminateGroup(identity.pid, grace: grace, killTimeout: killTimeout)
  }

  /// Live processes in the group or the session `id`.
  private func members(of id: Int32) -> [ProcessSnapshot] {
    inspector.table.allSnapshots().filter {
      !$0.isZombie && ($0.processGroupID == id || $0.sessionID == id)
    }
  }

  /// Signals the group, every other group the members are in, and each member (a member may have
  /// joined a new group since it was listed). `ESRCH` means already gone, which is the goal.
  private func signal(_ signal: Int32, group: Int32, members: [ProcessSnapshot]) {
    _ = control.send(signal, to: -group)
    for otherGroup in Set(members.map(\.processGroupID)) where otherGroup != group && otherGroup > 1 {
      _ = control.send(signal, to: -otherGroup)
    }
    for member in members where member.pid > 1 { _ = control.send(signal, to: member.pid) }
  }
}
