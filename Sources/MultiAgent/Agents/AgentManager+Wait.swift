import Foundation
import ProcessKit

extension AgentManager {
  /// When a wait on several agents returns.
  public enum WaitMode: Sendable, Hashable {
    /// As soon as one of them settles.
    case any
    /// Once every one of them has settled.
    case all
  }

  /// What a wait saw when it returned.
  ///
  /// An agent has *settled* when it is terminal (completed, failed, stopped, crashed) or waiting for
  /// input. Waiting reads records only: it changes and consumes nothing, so a later wait sees the
  /// same result.
  public struct WaitOutcome: Sendable, Hashable {
    /// The settled agents, in the order they were asked for: with ``WaitMode/any``, the first one
    /// found settled; with ``WaitMode/all``, every one (or, after a timeout, those that had settled).
    public var settled: [AgentRecord]
    /// Snapshots of the agents that had not settled when the time ran out, in the order they were
    /// asked for; empty unless the wait timed out.
    public var pending: [AgentRecord]

    /// Whether the time ran out before the wait was over.
    public var timedOut: Bool { !pending.isEmpty }

    /// Creates an outcome.
    public init(settled: [AgentRecord], pending: [AgentRecord]) {
      self.settled = settled
      self.pending = pending
    }
  }

  /// How often a wait reads the records it waits on.
  static let waitPollInterval: Duration = .milliseconds(20)
  /// How often a wait reconciles the agents it waits on (notices a dead supervisor or CLI).
  static let waitReconcileInterval: Duration = .seconds(2)
  /// How often a wait reads the records when all it waits on are supervised on other machines
  /// sharing the store: their supervisors cannot be watched from here, and the store is shared.
  static let waitElsewhereInterval: Duration = .milliseconds(250)

  /// Waits until the agent finishes or needs input.
  ///
  /// - Returns: the record then.
  /// - Throws: ``AgentError/Code/timedOut`` after `timeout`, leaving the agent untouched;
  ///   ``AgentError/Code/notFound`` when there is no such agent (or it was deleted meanwhile).
  public func wait(_ reference: String, timeout: Duration? = nil) async throws(AgentError) -> AgentRecord {
    let outcome = try await wait(for: [reference], mode: .all, timeout: timeout)
    if let record = outcome.pending.first {
      let when = timeout.map { "after \($0)" } ?? "when the wait was cancelled"
      throw AgentError(.timedOut, "\(record.name) is still \(record.status.rawValue) \(when)")
    }
    guard let record = outcome.settled.first else {
      throw AgentError(.notFound, "no agent named \"\(reference.prefix(80))\"")
    }
    return record
  }

  /// Waits until one (``WaitMode/any``) or every one (``WaitMode/all``) of the agents has settled
  /// (finished or needs input), or until `timeout` passes; the agents are never changed.
  ///
  /// Every reference is resolved before waiting; the same agent named twice is waited on once.
  /// Records are read every 20 ms, and at once when the supervisor of the first agent still waited
  /// on exits (it does right after settling the agent); the agents still waited on are reconciled
  /// every 2 s. An agent waiting for input that is answered meanwhile is waited on again. Agents
  /// supervised on other machines are waited on by reading the store (every 250 ms when all are).
  ///
  /// - Returns: what was seen; ``WaitOutcome/timedOut`` tells a timeout (or a cancelled task) apart.
  /// - Throws: ``AgentError/Code/notFound`` for a reference that names no agent (before waiting) or
  ///   an agent deleted while waited on; ``AgentError/Code/store`` when the store cannot be read.
  public func wait(
    for references: [String], mode: WaitMode, timeout: Duration? = nil
  ) async throws(AgentError) -> WaitOutcome {
    var ids: [String] = []
    // The records read to resolve the references serve the first look: no second read of each.
    var resolved: [String: AgentRecord] = [:]
    for reference in references {
      let record = try agent(reference)
      if !ids.contains(record.id) { ids.append(record.id) }
      resolved[record.id] = record
    }
    guard !ids.isEmpty else { return WaitOutcome(settled: [], pending: []) }
    let clock = ContinuousClock()
    let start = clock.now
    var pacing = WaitPacing(start: start, interval: Self.waitReconcileInterval)
    // Terminal records never settle differently; they are read once.
    var terminal: [String: AgentRecord] = [:]
    while true {
      var settled: [String: AgentRecord] = terminal
      var pending: [AgentRecord] = []
      for id in ids where terminal[id] == nil {
        let record: AgentRecord
        if let read = resolved.removeValue(forKey: id) { record = read } else { record = try agent(id) }
        if record.status.isTerminal { terminal[id] = record }
        if record.status.isTerminal || record.status == .waitingForInput {
          settled[id] = record
        } else {
          pending.append(record)
        }
      }
      let inOrder = ids.compactMap { settled[$0] }
      switch mode {
      case .any: if let first = inOrder.first { return WaitOutcome(settled: [first], pending: []) }
      case .all: if pending.isEmpty { return WaitOutcome(settled: inOrder, pending: []) }
      }
      let elapsed = clock.now - start
      if let timeout, elapsed >= timeout { return WaitOutcome(settled: inOrder, pending: pending) }
      if Task.isCancelled { return WaitOutcome(settled: inOrder, pending: pending) }
      if pacing.reconcileIsDue(now: clock.now) {
        for record in pending { reconcile(agentID: record.id) }
      }
      let local = pending.filter { !isElsewhere($0) }
      let interval = local.isEmpty ? Self.waitElsewhereInterval : Self.waitPollInterval
      let pause = timeout.map { min(interval, $0 - elapsed) } ?? interval
      // Only a supervisor of this machine can be watched (another machine's pid names nothing here).
      let supervisor = local.first?.supervisor.flatMap { $0.pid > 0 ? $0 : nil }
      if let watcher = pacing.watcher(for: supervisor) {
        if await awaitBlocking({ watcher.wait(timeout: pause) }) { pacing.watchedSupervisorExited() }
      } else {
        try? await Task.sleep(for: pause)
      }
    }
  }
}
