import Foundation
import ProcessKit
import ProviderKit

extension AgentManager {
  /// What a reconcile pass did.
  public struct ReconcileReport: Sendable, Hashable {
    /// Agents whose dead supervisor was replaced (their CLI still ran).
    public var adopted: [String] = []
    /// Agents settled from their log and signal file (supervisor and CLI both gone).
    public var settled: [String] = []
    /// Agents settled as crashed because their worktree vanished.
    public var worktreeGone: [String] = []
    /// Queued agents started because a slot was free (ids).
    public var started: [String] = []
  }

  /// Repairs the world after a crash or restart; run at the start of every command.
  ///
  /// A supervisor that is gone (pid, start time and spawn id checked, so a reused pid never fools
  /// it) is replaced when its CLI still runs; otherwise the agent is settled from its log (parsed
  /// from the stored offset) and signal file. An agent whose worktree vanished is crashed. Then the
  /// queued agents that fit the limits are started.
  ///
  /// Agents supervised on another machine that shares the store (``AgentRecord/machine``) are left
  /// alone: their pids and paths mean something only there, and that machine's commands repair them.
  @discardableResult
  public func reconcile() -> ReconcileReport {
    var report = ReconcileReport()
    let active: [AgentRecord]
    do {
      // Agents waiting for input have no process to check, only their worktree: those without one
      // (often most of a busy home) are not even loaded — but for a question a live CLI holds.
      active = try store.reconcileCandidates() + heldQuestionAgents()
    } catch { return report }
    for record in active { reconcile(record, into: &report) }
    finishOutputOfSettledAgents()
    // Slots freed while nobody was watching (or by a supervisor that died) go to the queue.
    report.started = startQueued()
    return report
  }

  /// Reconciles one agent.
  func reconcile(agentID: String) {
    var report = ReconcileReport()
    if let record = try? store.agent(id: agentID) { reconcile(record, into: &report) }
  }

  private func reconcile(_ record: AgentRecord, into report: inout ReconcileReport) {
    guard !isElsewhere(record) else { return }
    let inspector = ProcessInspector()
    // A spawn in progress records the agent before it makes its worktree, and its supervisor within
    // moments after (an agent may be spawning children while other commands reconcile).
    // A starting agent whose spawner (or supervisor) is alive is being set up: leave it alone.
    if record.status == .starting, record.cli == nil, let owner = record.supervisor, inspector.isAlive(owner)
    {
      return
    }
    // Until it writes the run plan, its last step, a spawn is still setting the agent up — also
    // when the supervisor it started ahead died (the spawn then starts another).
    let spawning =
      record.status == .starting
      && (record.supervisor == nil
        || (record.cli == nil && !FileSystem.exists(AgentPaths(home: home, id: record.id).runPlan)))
    if spawning && Date().timeIntervalSince(record.updatedAt) < 30 { return }
    if let worktree = record.worktreePath, !FileSystem.exists(worktree) {
      settleWithoutWorktree(record, worktree: worktree, into: &report)
      return
    }
    if record.status == .waitingForAccount {
      // Its supervisor is the timer that resumes it at the earliest reset: replace a dead one.
      if let supervisor = record.supervisor, inspector.isAlive(supervisor) { return }
      if recordUnrecordedSupervisor(of: record) { return }
      if claimRepair(of: record), replaceSupervisor(of: record, adopt: false) {
        report.adopted.append(record.name)
      }
      return
    }
    if record.status == .waitingForInput {
      releaseOrphanedQuestion(record)
      return
    }
    guard record.status == .starting || record.status == .running else { return }
    if let supervisor = record.supervisor, inspector.isAlive(supervisor) { return }
    // A spawn or answer in progress records its supervisor within moments.
    if record.supervisor == nil && Date().timeIntervalSince(record.updatedAt) < 30 { return }
    if recordUnrecordedSupervisor(of: record) { return }
    let dead = record.supervisor
    guard claimRepair(of: record) else { return }
    if let cli = record.cli, inspector.isAlive(cli) {
      if replaceSupervisor(of: record, adopt: true) { report.adopted.append(record.name) }
      return
    }
    repair(record, dead: dead, into: &report)
  }

  /// Repairs a starting or running agent whose supervisor died (the repair is claimed): follows its
  /// CLI if one runs, recorded or not; starts again a start that never reached its CLI; continues
  /// after a usage limit; or settles it from its log.
  private func repair(_ record: AgentRecord, dead: ProcessIdentity?, into report: inout ReconcileReport) {
    let paths = AgentPaths(home: home, id: record.id)
    // A CLI started but never recorded (its supervisor died in between): record it and adopt it.
    if let found = LaunchIntent.unrecordedProcess(intent: paths.launchIntent, recorded: record.cli) {
      if adoptUnrecorded(found, of: record) { report.adopted.append(record.name) }
      return
    }
    // A start that never got to its CLI (the supervisor, or the answer that was to start it, died
    // first) is started again from its run plan — unless output shows that a run happened.
    if record.status == .starting, record.cli == nil, FileSystem.exists(paths.runPlan),
      Self.logSize(paths.outputLog) <= record.parseOffset, restarts(of: record) < Self.restartLimit
    {
      logger.attempt("note the restart", agent: record.id) {
        try store.appendEvent(
          agentID: record.id, type: Self.restartEvent, message: "starting again: the start was interrupted")
      }
      if replaceSupervisor(of: record, adopt: false) { report.adopted.append(record.name) }
      return
    }
    // The run hit a usage limit its supervisor did not get to act on: a new supervisor continues it
    // on the next account (it adopts, finds the CLI gone, and picks up the limit).
    if FileSystem.exists(paths.exhaustion), record.cli != nil {
      if replaceSupervisor(of: record, adopt: true) { report.adopted.append(record.name) }
      return
    }
    // Answers were written for its CLI, which ended before it took them (its supervisor died
    // first): a new supervisor adopts, finds the CLI gone, and resumes the session with them.
    if record.status == .running, record.cli != nil, FileSystem.exists(paths.liveAnswer),
      FileSystem.exists(paths.heldQuestion)
    {
      if replaceSupervisor(of: record, adopt: true) { report.adopted.append(record.name) }
      return
    }
    // Its run ended and it was waiting for reports of children that still run (or messages were
    // waiting): a new supervisor picks that up (it adopts, finds the CLI gone, and waits again)
    // rather than settling it — which would stop those children.
    if record.status == .running, record.cli != nil, waitsForChildrenOrMessages(record, paths: paths) {
      if replaceSupervisor(of: record, adopt: true) { report.adopted.append(record.name) }
      return
    }
    // Nobody is running: parse what is left of the log and settle.
    settleFromLog(record, paths: paths, dead: dead, into: &report)
  }

  /// Parses what is left of the log of an agent nobody runs any more, and settles it.
  private func settleFromLog(
    _ record: AgentRecord, paths: AgentPaths, dead: ProcessIdentity?, into report: inout ReconcileReport
  ) {
    // Output past the parsed offset means a CLI ran: one started and never recorded (its
    // supervisor died in between) may well have finished its task before anyone looked.
    let ran = Self.logSize(paths.outputLog) > record.parseOffset
    do {
      try parseRestOfLog(record, paths: paths)
      if record.cli == nil && record.status == .starting && !ran {
        let reason = "the supervisor exited before starting \(record.provider)"
        try store.transition(id: record.id, .crashBeforeStart, message: reason) {
          $0.error = reason
        }
      } else {
        _ = try SupervisionLoop.settle(store: store, id: record.id, exit: nil, paths: paths)
      }
      report.settled.append(record.name)
      ChildReport(home: home, store: store, logger: logger).childSettled(record.id)
      FamilyCascade(store: store, logger: logger).parentSettled(record.id, machine: machine)
    } catch {
      logger.warning(
        "cannot settle an agent whose supervisor died; the next command will", agent: record.id, error: error)
      _ = logger.attempt("give the repair back", agent: record.id) {
        try store.update(id: record.id) { $0.supervisor = dead }
      }
    }
  }

  /// Crashes an agent whose worktree vanished (nothing can run there any more), ending its CLI.
  private func settleWithoutWorktree(
    _ record: AgentRecord, worktree: String, into report: inout ReconcileReport
  ) {
    // Crashed first, then its CLI ended: ended first, its supervisor would settle the exit (killed
    // by SIGTERM) before this, and the reason — the vanished worktree — would be lost.
    let reason = "the worktree \(worktree) vanished"
    let applied = logger.attempt("mark the agent crashed", agent: record.id) {
      try store.transition(id: record.id, .worktreeVanished, message: reason) { $0.error = reason }
    }
    if let cli = record.cli, ProcessInspector().isAlive(cli) {
      // Synchronously: a short-lived command would exit before a detached task ran.
      FamilyCascade.terminateBlocking([record], grace: .seconds(2))
    }
    guard applied?.applied == true else { return }
    // With its supervisor gone nobody follows the log any more: what the CLI printed since the
    // last commit is parsed here (a live supervisor parses it as its CLI ends).
    let current = (try? store.agent(id: record.id)) ?? record
    if !(current.supervisor.map { ProcessInspector().isAlive($0) } ?? false) {
      logger.attempt("parse the rest of the log", agent: record.id) {
        try parseRestOfLog(current, paths: AgentPaths(home: home, id: record.id), keepingError: reason)
      }
    }
    report.worktreeGone.append(record.name)
    ChildReport(home: home, store: store, logger: logger).childSettled(record.id)
    FamilyCascade(store: store, logger: logger).parentSettled(record.id, machine: machine)
  }

  /// Parses the agent's log from its stored offset to its end into the record, for an agent
  /// nobody follows any more; `keepingError` stays the record's error whatever the lines say.
  ///
  /// With `onlyIf`, nothing is written unless the record, read again when it is written, passes it.
  func parseRestOfLog(
    _ record: AgentRecord, paths: AgentPaths, keepingError: String? = nil,
    onlyIf condition: ((AgentRecord) -> Bool)? = nil
  ) throws {
    let provider = try registry.provider(named: record.provider)
    var follower = OutputFollower(
      path: paths.outputLog, offset: record.parseOffset, parser: provider.makeParser(context: ParserContext())
    )
    let events = follower.poll(final: true)
    let offset = follower.committedOffset
    // Keyed by the offsets: a supervisor (or another command) that parsed the same bytes first
    // wins, and they are never folded in twice.
    _ = try store.commitOutput(id: record.id, from: record.parseOffset, to: offset, onlyIf: condition) {
      current in
      Settlement.fold(events, into: &current)
      current.supervisor = nil
      if let keepingError { current.error = keepingError }
    }
  }

  /// A supervisor started for the agent and not recorded (its starter died, or still waits for the
  /// database): recorded now in place of the dead one, and left to run — a second one would run
  /// the CLI again.
  private func recordUnrecordedSupervisor(of record: AgentRecord) -> Bool {
    let intent = AgentPaths(home: home, id: record.id).supervisorIntent
    guard let found = LaunchIntent.unrecordedProcess(intent: intent, recorded: record.supervisor) else {
      return false
    }
    logger.attempt("record the unrecorded supervisor", agent: record.id) {
      try store.update(id: record.id) { current in
        if current.supervisor == record.supervisor { current.recordSupervisor(found, on: machine) }
      }
    }
    return true
  }

  /// Records a CLI that was started but not recorded as the agent's, and starts a supervisor that
  /// follows it.
  private func adoptUnrecorded(_ cli: ProcessIdentity, of record: AgentRecord) -> Bool {
    let recorded = logger.attempt("record the unrecorded CLI", agent: record.id) {
      try store.transition(
        id: record.id, .launch, message: "found its CLI running unrecorded (pid \(cli.pid)); following it"
      ) { current in
        current.cli = cli
        current.exitCode = nil
        current.exitSignal = nil
      }
    }
    guard recorded?.applied == true else { return false }
    return replaceSupervisor(of: record, adopt: true)
  }

  /// The event that marks a start begun again after an interruption.
  static let restartEvent: StoredEvent.EventType = "start_resumed"
  /// How many times an interrupted start is begun again before the agent counts as crashed.
  static let restartLimit = 3

  /// How many times the agent's start was begun again.
  private func restarts(of record: AgentRecord) -> Int {
    (logger.attempt("read the events", agent: record.id) { try store.events(agentID: record.id) } ?? [])
      .count { $0.type == Self.restartEvent }
  }

  /// The size of the file at `path` (0 when there is none).
  static func logSize(_ path: String) -> Int64 {
    var info = stat()
    return lstat(path, &info) == 0 ? Int64(info.st_size) : 0
  }

  /// Starts a supervisor in place of a dead one (the repair is claimed). On failure the claim is
  /// given back, so that the next reconcile tries again, and the failure is reported.
  private func replaceSupervisor(of record: AgentRecord, adopt: Bool) -> Bool {
    do {
      try startSupervisor(for: record.id, adopt: adopt)
      return true
    } catch {
      logger.warning(
        "cannot replace the dead supervisor; the next reconcile will try again", agent: record.id,
        error: error)
      let me = try? ProcessInspector().currentIdentity()
      logger.attempt("give the repair back", agent: record.id) {
        try store.update(id: record.id) { current in
          if current.supervisor == me { current.supervisor = record.supervisor }
        }
      }
      return false
    }
  }

  /// Claims the repair of an agent whose supervisor died, so that of two commands reconciling at
  /// once only one does it: this process becomes its supervisor of record (compare-and-set on the
  /// dead one) until the replacement it starts records itself. Should this process die meanwhile,
  /// the next reconcile finds it dead in turn and repairs again.
  func claimRepair(of record: AgentRecord) -> Bool {
    // An agent of a provider this manager does not know — one an embedder registered in code — is
    // left to a manager that knows it: a supervisor started from here could not run it. (Checked
    // only here, when a repair is due: the provider is not decoded for agents that need none.)
    guard (try? registry.provider(named: record.provider)) != nil else {
      logger.log(
        level: .debug, message: "left to a manager that knows its provider",
        metadata: ["agent": record.id, "provider": record.provider])
      return false
    }
    guard let me = try? ProcessInspector().currentIdentity() else { return false }
    let dead = record.supervisor
    do {
      try store.update(id: record.id) { current in
        guard current.supervisor == dead, current.status == record.status else {
          throw AgentError(.invalidState, "changed")
        }
        current.recordSupervisor(me, on: machine)
      }
      return true
    } catch {
      return false
    }
  }
}
