import Foundation

extension Supervisor {
  /// Its agent gave up its slot (it settled, or waits for an answer or an account): start what the
  /// queue allows, supervised the same way.
  func startQueued(store: AgentStore) {
    do { _ = try manager(sharing: store)?.startQueued() } catch {
      logger.warning("cannot start queued agents; the next command will", agent: agentID, error: error)
    }
  }

  /// The reconcile pass a waiting spawn asked for (``PendingSupervisor/reconcileWhenSettled()``),
  /// made once the agent settled and the spawn was told: repairs, and the queue.
  func reconcile(store: AgentStore) {
    do { _ = try manager(sharing: store)?.reconcile() } catch {
      logger.warning("cannot make the reconcile pass; the next command will", agent: agentID, error: error)
    }
  }

  /// A manager of this home on `store`, starting supervisors the way this one was started; nil for
  /// a supervisor that does not know how (it starts none).
  private func manager(sharing store: AgentStore) throws -> AgentManager? {
    guard let supervision else { return nil }
    return try AgentManager(
      home: home, registry: registry, supervision: supervision, logger: logger, sharing: store,
      machine: machine)
  }
}
