import Credentials
import Foundation
import ProcessKit
import ProviderKit

#if canImport(Glibc)
  import Glibc
#endif

/// Watches one agent: starts the provider CLI (or adopts one whose supervisor died), tails and
/// parses its output into the store as it appears, and settles the status when it exits. When the
/// account hits its usage limit, it parks the account, moves the session to the next account and
/// resumes it there; with no account left it waits (`waiting_for_account`) until the earliest reset.
///
/// The `multiagent` CLI runs one supervisor per running agent as a detached process
/// (`multiagent __supervise <id>`), so no daemon is needed; a library user may call ``run()`` on a
/// thread of their own instead.
public struct Supervisor: Sendable {
  /// How often the log is polled while the CLI runs.
  public static let pollInterval: Duration = .milliseconds(50)

  let home: StateHome
  let agentID: String
  let adopt: Bool

  /// A supervisor for agent `agentID`. With `adopt`, it follows a CLI already running (its previous
  /// supervisor died) instead of starting one.
  public init(home: StateHome, agentID: String, adopt: Bool = false) {
    self.home = home
    self.agentID = agentID
    self.adopt = adopt
  }

  /// Supervises the agent until it settles. When it settles terminal, its children still alive are
  /// stopped (see ``FamilyCascade``): all of them when it was stopped, otherwise those not spawned
  /// with `--detach-from-parent`.
  ///
  /// - Returns: the agent's status when it settled.
  /// - Throws: ``AgentError`` when the agent cannot be found or its state cannot be read.
  @discardableResult
  public func run() throws -> AgentStatus {
    try run(store: AgentStore(home: home))
  }

  /// Like ``run()``, with the store already open (see ``awaitStart(home:agentID:provider:descriptor:)``).
  ///
  /// - Parameter settled: called once the agent has settled (or the run failed), before the
  ///   supervisor stops its children and starts queued agents: a spawn waiting for the agent is
  ///   told at once.
  @discardableResult
  public func run(store: AgentStore, settled: () -> Void = {}) throws -> AgentStatus {
    guard let record = try store.agent(id: agentID) else {
      throw AgentError(.notFound, "no agent with id \(agentID)")
    }
    defer {
      settled()
      FamilyCascade(store: store).parentSettled(agentID)
      // Its slot is free now (it settled, or waits for an answer): start what the queue allows.
      AgentManager.startQueued(home: home, store: store)
    }
    let registry: ProviderRegistry
    do { registry = try home.providerRegistry() } catch {
      return try fail(store, "cannot load providers: \(error)")
    }
    guard let provider = try? registry.provider(named: record.provider) else {
      return try fail(store, "provider \(record.provider) is no longer defined")
    }
    // A supervisor started ahead by the spawn is already recorded: no write then.
    if let me = try? ProcessInspector().currentIdentity(), record.supervisor != me {
      try store.update(id: agentID) { $0.supervisor = me }
    }
    var run = SupervisedRun(
      home: home, agentID: agentID, store: store, provider: provider,
      accounts: AccountBroker(home: home, sharing: store))
    return try run.supervise(adopt: adopt)
  }

  private func fail(_ store: AgentStore, _ message: String) throws -> AgentStatus {
    try store.transition(
      id: agentID, from: [.starting, .running, .waitingForAccount], to: .failed, message: message
    ) {
      $0.error = message
    }
    return try store.agent(id: agentID)?.status ?? .failed
  }

  /// Settles the agent after its CLI exited (`exit` is `nil` when nobody saw how).
  static func settle(store: AgentStore, id: String, exit: ExitStatus?, paths: AgentPaths) throws
    -> AgentStatus
  {
    let signal = Result { () throws(SignalError) in try AgentSignal.read(at: paths.signalFile) }
    guard let record = try store.agent(id: id) else { return .failed }
    let settlement = RunOutcome.settle(record, exit: exit, signal: signal)
    let transition = try store.transition(
      id: id, from: [.starting, .running, .waitingForAccount], to: settlement.status,
      message: settlement.message
    ) { record in
      record.result = settlement.result
      record.error = settlement.error
      record.pendingQuestions = settlement.questions
      recordExit(exit, into: &record)
    }
    if !transition.applied {
      // Already settled (e.g. stopped by the user): keep its status, record how the CLI ended.
      try store.update(id: id) { recordExit(exit, into: &$0) }
    }
    return try store.agent(id: id)?.status ?? settlement.status
  }

  static func recordExit(_ exit: ExitStatus?, into record: inout AgentRecord) {
    switch exit {
    case .exited(let code)?: record.exitCode = code
    case .signaled(let number)?: record.exitSignal = number
    case nil: break
    }
  }
}
