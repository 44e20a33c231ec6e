import ProviderKit
import StateStore

/// Committing what the CLI prints: parsed events together with the log offset after them, in one
/// transaction, keyed by the offsets so that a commit retried after a lost reply (the PostgreSQL
/// COMMIT may have been applied although the connection died before saying so) applies once.
extension CLIRun {
  /// Parsed events and the log offsets they lie between: one commit, and its idempotency key.
  struct OutputBatch {
    /// The parse offset stored before the commit.
    var from: Int64
    /// The parse offset after its lines.
    var to: Int64
    var events: [AgentEvent]
  }

  /// The lines the CLI appended since the last poll, parsed. The first poll reads the stored parse
  /// offset to start from (retried while the store cannot be read: starting from another offset
  /// would parse lines twice or skip them).
  mutating func poll(final: Bool = false) throws -> [AgentEvent] {
    if follower == nil {
      let offset = try StoreRetry.record(of: agentID, in: store, logger: logger)?.parseOffset ?? 0
      follower = OutputFollower(
        path: paths.outputLog, offset: offset, parser: provider.makeParser(context: ParserContext()))
      committed = offset
    }
    return follower?.poll(final: final) ?? []
  }

  /// A new run's lines get a parser of their own.
  mutating func startRun(with parser: any OutputParser) throws {
    _ = try poll()
    follower?.startRun(with: parser)
  }

  /// Notes what the events mean for the run, then commits them — or keeps them for a later poll
  /// when the write fails (a full disk, a store cut off: tried again at most once a second), so
  /// that a store that cannot take them now does not end the supervision of a running CLI.
  mutating func take(_ events: [AgentEvent], _ cli: Running, _ ending: inout Ending) throws {
    inspect(events, cli, into: &ending)
    uncommitted += events
    let now = ContinuousClock.now
    if let nextAttempt, now < nextAttempt { return }
    let urgent = (uncommitted + (unconfirmed?.events ?? [])).contains(where: Settlement.changesTheRecord)
    guard urgent || unconfirmed != nil || now - lastCommit >= Self.quietCommitInterval else { return }
    do {
      try commit([])
      lastCommit = now
      nextAttempt = nil
    } catch {
      let now = ContinuousClock.now
      nextAttempt = now + .seconds(1)
      if lastWriteWarning.map({ now - $0 >= .seconds(30) }) ?? true {
        lastWriteWarning = now
        logger.warning(
          "cannot store the agent's output yet; retrying while the CLI runs", agent: agentID, error: error)
      }
    }
  }

  /// After a CLI exited, what it printed must be stored before the run can settle (or the next run
  /// start): the write is retried while the store cannot take it (``StoreRetry``), then the error
  /// is thrown and the agent is left for reconcile, which settles it from the log on disk.
  mutating func commitAfterExit() throws {
    try StoreRetry.untilWritten(agentID: agentID, logger: logger) { try commit([]) }
  }

  /// Stores what the parsed lines changed together with the offset after them, in one transaction:
  /// a crash between polls re-parses nothing twice and skips nothing. A batch whose write failed
  /// goes first, unchanged: had it committed after all, its offsets find it applied.
  mutating func commit(_ events: [AgentEvent]) throws {
    uncommitted += events
    if let batch = unconfirmed {
      try write(batch)
      unconfirmed = nil
      committed = batch.to
    }
    let offset = follower?.committedOffset ?? committed
    if uncommitted.isEmpty && offset == committed { return }
    let batch = OutputBatch(from: committed, to: offset, events: uncommitted)
    uncommitted = []
    unconfirmed = batch
    try write(batch)
    unconfirmed = nil
    committed = batch.to
  }

  /// Writes one batch, applied only while the stored offset is still `batch.from`.
  private func write(_ batch: OutputBatch) throws {
    let events = batch.events
    let fold: ((inout AgentRecord) -> Void)? =
      events.contains(where: Settlement.changesTheRecord) ? { Settlement.fold(events, into: &$0) } : nil
    switch try store.commitOutput(id: agentID, from: batch.from, to: batch.to, fold) {
    case .applied: break
    case .alreadyApplied:
      logger.debug("output up to offset \(batch.to) was stored already (a retried commit)", agent: agentID)
    case .moved(let stored):
      // Another process moved the offset (a reconcile that took this supervisor for dead): the
      // lines this supervisor parsed are the log's, so they are stored over it, as before offsets
      // were checked — once; moved again, it is left to reconcile.
      logger.warning(
        "the agent's output was stored up to offset \(stored) by another process, not \(batch.from); "
          + "storing this supervisor's", agent: agentID)
      if case .moved(let again) = try store.commitOutput(id: agentID, from: stored, to: batch.to, fold) {
        throw StoreError(
          code: .constraint, message: "agent \(agentID)'s parse offset keeps moving (now \(again))",
          path: store.path)
      }
    }
  }
}
