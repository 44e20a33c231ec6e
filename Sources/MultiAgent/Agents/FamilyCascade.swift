import Foundation
import ProcessKit

/// Parents and children: finding an agent's descendants, and stopping them with it.
///
/// The rules: stopping or deleting an agent stops or deletes all its descendants first; an agent
/// that settles completed, failed or crashed stops its children still alive, except those spawned
/// with `--detach-from-parent` (their own descendants go with each stopped child). A descendant is
/// always marked `stopped` in the store before its processes are signalled, parents before
/// children, and the store refuses a child for a finished parent in the same transaction that
/// inserts it, so a parent being stopped gains no child that the cascade misses.
struct FamilyCascade {
  let store: AgentStore
  /// Where failures to read or stop a family member are reported.
  var logger: any AgentLogger = SilentLogger()

  /// The agents below `id` among `records`, parents before children (breadth first), oldest first
  /// among siblings.
  static func descendants(of id: String, in records: [AgentRecord]) -> [AgentRecord] {
    let children = childrenByParent(records)
    var result: [AgentRecord] = []
    var seen: Set<String> = [id]
    var queue = children[id] ?? []
    var index = 0
    while index < queue.count {
      let record = queue[index]
      index += 1
      guard seen.insert(record.id).inserted else { continue }
      result.append(record)
      queue += children[record.id] ?? []
    }
    return result
  }

  /// `records` grouped by parent id, each group in the order of `records`.
  static func childrenByParent(_ records: [AgentRecord]) -> [String: [AgentRecord]] {
    var children: [String: [AgentRecord]] = [:]
    for record in records {
      if let parent = record.parentID { children[parent, default: []].append(record) }
    }
    return children
  }

  /// Marks every live descendant of `parentID` stopped, parents first — with `onlyAttached`, only
  /// the subtrees of the children not spawned with `--detach-from-parent` — and repeats until none
  /// is left alive, so a child created during the pass is caught too.
  ///
  /// - Returns: the records it marked, as stored.
  func stopDescendants(of parentID: String, onlyAttached: Bool, message: String) -> [AgentRecord] {
    var marked: [AgentRecord] = []
    var tried: Set<String> = []
    while true {
      guard let all = logger.attempt("list the agents to stop", { try store.list(.all) }) else {
        return marked
      }
      var targets: [AgentRecord] = []
      for child in all where child.parentID == parentID && !(onlyAttached && child.detachedFromParent) {
        targets.append(child)
        targets += Self.descendants(of: child.id, in: all)
      }
      let pending = targets.filter { !$0.status.isTerminal && !tried.contains($0.id) }
      if pending.isEmpty { return marked }
      for record in pending {
        tried.insert(record.id)
        let transition = logger.attempt("stop a descendant", agent: record.id) {
          try store.transition(id: record.id, .stop, message: message) { $0.error = message }
        }
        if let transition, transition.applied { marked.append(transition.record) }
      }
    }
  }

  /// After agent `agentID` settled: when it is terminal, stops its live children — all of them when
  /// it was stopped, otherwise those not detached from it — with their descendants, and ends their
  /// processes (SIGTERM, SIGKILL after `grace`): those of `machine` only, the others' pids naming
  /// nothing here. Blocks; used by supervisors and reconcile.
  func parentSettled(_ agentID: String, machine: String, grace: Duration = .seconds(5)) {
    guard let record = try? store.agent(id: agentID), record.status.isTerminal,
      let children = try? store.count(AgentStore.Filter(parentID: agentID, includeDismissed: true)),
      children > 0
    else { return }
    let message =
      record.status == .stopped
      ? "stopped with its parent \(record.name)"
      : "stopped: its parent \(record.name) is \(record.status.rawValue)"
    let marked = stopDescendants(of: agentID, onlyAttached: record.status != .stopped, message: message)
    Self.terminateBlocking(marked.filter { !$0.isSupervised(elsewhereThan: machine) }, grace: grace)
  }

  /// Ends the CLI process groups (and sessions) of `records` together: SIGTERM, up to `grace` for
  /// all to exit, then SIGKILL (up to 5 s more). Blocks the calling thread. A recorded leader whose
  /// pid now names another process (different start time, or another boot) is left alone.
  ///
  /// - Parameter adopted: a subreaper (a supervisor after its CLI exited) and the agent it ran: its
  ///   children that carry the agent's id in their environment end too, with their groups and
  ///   sessions — also those that left the CLI's session (`setsid`). Other children are spared:
  ///   the supervisors of agents this agent spawned (they are started without its id) come to it
  ///   when their spawning command exits, and live on as the cascade rules say.
  static func terminateBlocking(
    _ records: [AgentRecord], grace: Duration, adopted: (parent: Int32, agentID: String)? = nil
  ) {
    let inspector = ProcessInspector()
    let groups = Set(
      records.compactMap(\.cli).filter { identity in
        guard identity.pid > 1, !inspector.isFromAnotherBoot(identity) else { return false }
        if let leader = inspector.snapshot(of: identity.pid), leader.startTime != identity.startTime {
          return false
        }
        return true
      }.map(\.pid))
    guard !groups.isEmpty || adopted != nil else { return }
    let marker = Array("\(Authority.agentIDVariable)=\(adopted?.agentID ?? "")".utf8)
    var leftBehind: Set<Int32> = []
    // Never the caller's own group or session.
    let own: Set<Int32> = [getpgid(0), getsid(0)]
    var watched = groups
    func members() -> [ProcessSnapshot] {
      let all = inspector.allSnapshots()
      if let adopted {
        for child in all where child.parentPID == adopted.parent && !child.isZombie {
          guard !leftBehind.contains(child.pid) else { continue }
          guard case .entries(let entries) = inspector.environment(of: child.pid), entries.contains(marker)
          else { continue }
          leftBehind.insert(child.pid)
          watched.formUnion([child.processGroupID, child.sessionID].filter { $0 > 1 && !own.contains($0) })
        }
      }
      return all.filter {
        !$0.isZombie
          && (watched.contains($0.processGroupID) || watched.contains($0.sessionID)
            || leftBehind.contains($0.pid))
      }
    }
    _ = ProcessTerminator().terminateBlocking(grace: grace, members: members)
  }
}
