import Foundation

extension AgentManager {
  /// One agent and the agents it spawned, as `multiagent tree` draws them.
  public struct TreeNode: Sendable, Hashable {
    /// The agent.
    public var record: AgentRecord
    /// The agents it spawned, oldest first.
    public var children: [TreeNode]

    /// Creates a node.
    public init(record: AgentRecord, children: [TreeNode] = []) {
      self.record = record
      self.children = children
    }

    /// This node and every node below it, depth first, each with its depth (this node's is 0).
    public var flattened: [(depth: Int, record: AgentRecord)] {
      var result: [(depth: Int, record: AgentRecord)] = [(0, record)]
      for child in children { result += child.flattened.map { ($0.depth + 1, $0.record) } }
      return result
    }
  }

  /// What ``stopTree(_:grace:)`` stopped.
  public struct TreeStop: Sendable, Hashable {
    /// The agent named, as it is now.
    public var agent: AgentRecord
    /// Its descendants that were still alive and are now stopped, parents first.
    public var descendants: [AgentRecord]
  }

  /// The agents of ``authority`` as trees: with `reference`, that agent and its descendants; without,
  /// every agent whose parent is not listed (none, or dismissed) as a root.
  ///
  /// An agent's authority sees only its children, each as a root without descendants.
  ///
  /// - Parameter includeDismissed: whether dismissed agents are shown (a named root always is).
  /// - Throws: ``AgentError`` (`not_found`, `forbidden`, `store`).
  public func tree(_ reference: String? = nil, includeDismissed: Bool = false) throws(AgentError)
    -> [TreeNode]
  {
    if authority.agentID != nil {
      if let reference { return [TreeNode(record: try agent(reference))] }
      return try list(AgentStore.Filter(includeDismissed: includeDismissed)).map { TreeNode(record: $0) }
    }
    let records = try list(AgentStore.Filter(includeDismissed: includeDismissed))
    let children = FamilyCascade.childrenByParent(records)
    var seen: Set<String> = []
    func node(_ record: AgentRecord) -> TreeNode {
      seen.insert(record.id)
      // `seen` guards against a cycle in a hand-edited database.
      let below = (children[record.id] ?? []).filter { !seen.contains($0.id) }
      return TreeNode(record: record, children: below.map(node))
    }
    if let reference { return [node(try agent(reference))] }
    let ids = Set(records.map(\.id))
    return records.filter { record in record.parentID.map { !ids.contains($0) } ?? true }.map(node)
  }

  /// Stops an agent and, first in the store, all its live descendants (detached ones too): each is
  /// marked `stopped` (parents first) before any process is signalled, then every CLI process group
  /// gets SIGTERM at once, and SIGKILL after `grace`. Worktrees are kept.
  ///
  /// - Returns: the agent and the descendants stopped with it.
  /// - Throws: ``AgentError`` (`invalid_state` when the agent and all its descendants had already
  ///   finished; `other_machine` when it or a live descendant is supervised on another machine,
  ///   before anything is stopped; `not_found`; `forbidden`).
  public func stopTree(_ reference: String, grace: Duration = .seconds(5)) async throws(AgentError)
    -> TreeStop
  {
    let record = try agent(reference)
    let all = try storeCall { try store.list(.all) }
    for member in [record] + FamilyCascade.descendants(of: record.id, in: all) where !member.status.isTerminal
    {
      try requireThisMachine(member, to: "stop")
    }
    var targets: [AgentRecord] = []
    if !record.status.isTerminal {
      let message = authority.isUser ? "stopped by the user" : "stopped by its parent"
      let transition = try storeCall {
        try store.transition(id: record.id, .stop, message: message) {
          $0.error = message
        }
      }
      if transition.applied { targets.append(transition.record) }
    }
    let descendants = FamilyCascade(store: store, logger: logger).stopDescendants(
      of: record.id, onlyAttached: false, message: "stopped with its parent \(record.name)")
    if targets.isEmpty && descendants.isEmpty {
      let current = (try? store.agent(id: record.id)) ?? nil
      throw AgentError(.invalidState, "\(record.name) is already \((current ?? record).status.rawValue)")
    }
    await terminateTogether(targets + descendants, grace: grace)
    parseWhatTheirSupervisorsLeft(targets + descendants)
    let current = try storeCall { try store.agent(id: record.id) } ?? record
    return TreeStop(agent: current, descendants: descendants)
  }

  /// Deletes an agent and all its descendants: stops the whole tree first (as ``stopTree(_:grace:)``),
  /// then deletes the descendants deepest first — each one's worktree, branch (unless `keepBranch`),
  /// logs and record, as ``delete(_:keepBranch:)`` does — and the agent last.
  ///
  /// - Returns: the records deleted, the agent named last.
  /// - Throws: ``AgentError``; what was deleted before a failure stays deleted. `other_machine`,
  ///   before anything is stopped or deleted, when it or a descendant is supervised on another
  ///   machine and still unfinished, or has a worktree this machine cannot reach.
  @discardableResult
  public func deleteTree(_ reference: String, keepBranch: Bool = false) async throws(AgentError)
    -> [AgentRecord]
  {
    let record = try agent(reference)
    let family = try storeCall { try store.list(.all) }
    for member in [record] + FamilyCascade.descendants(of: record.id, in: family) {
      try requireReachable(member, toDelete: record.name)
    }
    var targets: [AgentRecord] = []
    if !record.status.isTerminal {
      let message = "stopped to be deleted"
      let transition = try storeCall {
        try store.transition(id: record.id, .stop, message: message) {
          $0.error = message
        }
      }
      if transition.applied { targets.append(transition.record) }
    }
    targets += FamilyCascade(store: store, logger: logger).stopDescendants(
      of: record.id, onlyAttached: false, message: "stopped: its parent \(record.name) is being deleted")
    await terminateTogether(targets, grace: .seconds(5))
    let all = try storeCall { try store.list(.all) }
    var deleted: [AgentRecord] = []
    for descendant in FamilyCascade.descendants(of: record.id, in: all).reversed() {
      try await unscoped.deleteOne(descendant.id, keepBranch: keepBranch)
      deleted.append(descendant)
    }
    try await unscoped.deleteOne(record.id, keepBranch: keepBranch)
    deleted.append(record)
    return deleted
  }

  /// Refuses to delete an agent of another machine that is unfinished (its processes run there) or
  /// whose worktree is not here (it would be left behind there); one whose files this machine
  /// shares (one home on a shared volume) may be deleted from here once it finished.
  private func requireReachable(_ member: AgentRecord, toDelete named: String) throws(AgentError) {
    guard isElsewhere(member) else { return }
    let worktreeHere = member.worktreePath.map { !member.createdWorktree || FileSystem.exists($0) } ?? true
    guard !member.status.isTerminal || !worktreeHere else { return }
    try requireThisMachine(member, to: "delete")
  }

  /// Ends the processes of `records` concurrently (see `terminateProcesses(of:grace:)`).
  private func terminateTogether(_ records: [AgentRecord], grace: Duration) async {
    await withTaskGroup(of: Void.self) { group in
      for record in records {
        group.addTask { await self.terminateProcesses(of: record, grace: grace) }
      }
    }
  }
}
