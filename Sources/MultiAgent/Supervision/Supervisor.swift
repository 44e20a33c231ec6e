import Foundation
import ProcessKit
import ProviderKit

/// Watches one agent until it settles: chooses an account, starts the provider CLI (or adopts one
/// whose supervisor died), parses its output into the store as it appears, and settles the status
/// when it exits; after a usage limit it parks the account and continues the session on the next
/// one, or waits (`waiting_for_account`) until the earliest reset. See ``SupervisionLoop`` for the
/// steps.
///
/// An ``AgentManager`` starts supervisors itself, in the way its ``Supervision`` says; a program
/// that uses ``Supervision/detached(executable:arguments:)`` hands its supervisor arguments to
/// ``main(arguments:registry:logger:)``.
public struct Supervisor: Sendable {
  /// How often the log is polled while the CLI runs.
  public static let pollInterval: Duration = .milliseconds(50)

  let home: StateHome
  let agentID: String
  let adopt: Bool
  /// The providers; `nil` means the home's catalog, loaded when the run starts.
  let registry: ProviderRegistry?
  /// How the queued agents this supervisor starts (when its agent frees a slot) are supervised;
  /// `nil` leaves them to the next command's reconcile.
  let supervision: Supervision?
  let logger: any AgentLogger

  /// A supervisor for agent `agentID`.
  ///
  /// - Parameters:
  ///   - adopt: follow a CLI already running (its previous supervisor died) instead of starting one.
  ///   - registry: the providers, with those registered in code; `nil` for the home's catalog.
  ///   - supervision: how to supervise the queued agents it starts; `nil` to leave them to the
  ///     next ``AgentManager/reconcile()``.
  ///   - logger: where failures it recovers from are reported.
  public init(
    home: StateHome, agentID: String, adopt: Bool = false, registry: ProviderRegistry? = nil,
    supervision: Supervision? = nil, logger: any AgentLogger = SilentLogger()
  ) {
    self.home = home
    self.agentID = agentID
    self.adopt = adopt
    self.registry = registry
    self.supervision = supervision
    self.logger = logger
  }

  /// Supervises the agent until it settles, on the calling thread (it blocks). When it settles
  /// terminal, its children still alive are stopped (all of them when it was stopped, otherwise
  /// those not spawned with `--detach-from-parent`), then the queue gets the freed slot.
  ///
  /// - Returns: the agent's status when it settled.
  /// - Throws: ``AgentError`` when the agent cannot be found or its state cannot be read.
  @discardableResult
  public func run() throws -> AgentStatus {
    let store: AgentStore
    do { store = try AgentStore(home: home) } catch {
      throw AgentError(.store, error.description, underlying: error)
    }
    return try run(store: store)
  }

  /// Like ``run()``, with the store already open.
  ///
  /// - Parameter settled: called once the agent has settled (or the run failed), before the
  ///   supervisor stops its children and starts queued agents: a spawn waiting for it hears at once.
  @discardableResult
  func run(store: AgentStore, settled: () -> Void = {}) throws -> AgentStatus {
    guard try store.agent(id: agentID) != nil else {
      throw AgentError(.notFound, "no agent with id \(agentID)")
    }
    defer {
      settled()
      FamilyCascade(store: store).parentSettled(agentID)
      startQueued(store: store)
    }
    let registry: ProviderRegistry
    do { registry = try self.registry ?? home.providerRegistry() } catch {
      return try fail(store, "cannot load providers: \(error)")
    }
    let name = try store.agent(id: agentID)?.provider ?? ""
    let provider: any AgentProvider
    do { provider = try registry.provider(named: name) } catch {
      return try fail(store, "provider \(name) is no longer defined")
    }
    // A supervisor started ahead by the spawn (or in-process) is already recorded: no write then.
    if let me = try? ProcessInspector().currentIdentity(), try store.agent(id: agentID)?.supervisor != me {
      try store.update(id: agentID) { $0.supervisor = me }
    }
    var loop = SupervisionLoop(
      home: home, agentID: agentID, store: store, provider: provider, logger: logger,
      startQueued: { startQueued(store: store) })
    return try loop.run(adopt: adopt)
  }

  /// Its agent gave up its slot (it settled, or waits for an answer or an account): start what the
  /// queue allows, supervised the same way.
  private func startQueued(store: AgentStore) {
    guard let supervision else { return }
    do {
      try AgentManager(
        home: home, registry: registry, supervision: supervision, logger: logger, sharing: store
      ).startQueued()
    } catch {
      logger.warning("cannot start queued agents; the next command will", agent: agentID, error: error)
    }
  }

  private func fail(_ store: AgentStore, _ message: String) throws -> AgentStatus {
    try SupervisionLoop.fail(store: store, id: agentID, message)
  }
}
