import ProcessKit

/// When a wait (``AgentManager/wait(for:mode:timeout:)``) reconciles the agents it waits on, and
/// whose exit it sleeps on between reads of their records.
///
/// It watches the supervisor of the first agent still waited on: that process exits right after
/// settling the agent, so a wait on its pidfd ends the moment there is news. A supervisor that exits
/// and leaves the agent unsettled (killed, say) is reconciled at once, not at the next pass; its
/// pidfd, readable from then on, is not waited on again (the wait would return at once, and the
/// loop would spin until the record changes).
struct WaitPacing {
  /// How often the agents are reconciled anyway.
  let interval: Duration
  private var lastReconcile: ContinuousClock.Instant
  private var watched: (identity: ProcessIdentity, watcher: ExitWatcher, exited: Bool)?
  private var supervisorGone = false

  /// Pacing for a wait that started at `start`.
  init(start: ContinuousClock.Instant, interval: Duration) {
    lastReconcile = start
    self.interval = interval
  }

  /// Whether to reconcile now: a watched supervisor exited since the last pass, or `interval`
  /// passed. Answering `true` counts as the pass.
  mutating func reconcileIsDue(now: ContinuousClock.Instant) -> Bool {
    guard supervisorGone || now - lastReconcile > interval else { return false }
    supervisorGone = false
    lastReconcile = now
    return true
  }

  /// The watcher to wait on for `supervisor` (the supervisor of record of the first agent still
  /// waited on, if any): `nil` when there is none, or when it was seen to exit already.
  mutating func watcher(for supervisor: ProcessIdentity?) -> ExitWatcher? {
    guard let supervisor else {
      watched = nil
      return nil
    }
    if watched?.identity != supervisor {
      watched = (supervisor, ExitWatcher(pid: supervisor.pid), false)
    }
    guard let watched, !watched.exited else { return nil }
    return watched.watcher
  }

  /// The supervisor last returned a watcher for has exited.
  mutating func watchedSupervisorExited() {
    watched?.exited = true
    supervisorGone = true
  }
}
