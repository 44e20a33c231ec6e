import Foundation
import ProviderKit

extension AgentManager {
  /// The limits of `<home>/config.json`.
  ///
  /// - Throws: ``AgentError`` naming the file and the field when it is invalid.
  public func schedulingLimits() throws(AgentError) -> SchedulingLimits {
    try SchedulingLimits.load(home: home)
  }

  /// Starts the queued agents that fit the limits, oldest first (by creation time, then id), and
  /// returns their ids. Safe to run from any number of processes at once: each agent is claimed
  /// with a compare-and-set `queued → starting` in the same transaction that counts the slots.
  ///
  /// Supervisors call it when their agent settles (and when it waits for an account), spawns call
  /// it after recording a queued agent, and ``reconcile()`` calls it on every command, so the queue
  /// moves without a daemon. An agent still being prepared by its spawn (no run plan yet) is left
  /// for that spawn. An invalid `config.json` leaves the queue as it is.
  ///
  /// A queued agent spawned with `--max-running N` keeps that global limit (kept in its state
  /// directory, see `maxRunningFile(home:id:)`) until it starts.
  @discardableResult
  public func startQueued() -> [String] {
    // Every command reconciles, and reconciling starts what the queue allows: with nothing queued
    // (the usual case) a read answers without taking the write lock.
    guard (try? store.count(AgentStore.Filter(statuses: [.queued], includeDismissed: true))) != 0 else {
      return []
    }
    guard let limits = try? schedulingLimits() else { return [] }
    let home = home
    let admitted: [AgentRecord]
    do {
      admitted = try store.admitQueued(message: "a slot is free", machine: machine) { holding, queue in
        var holding = holding
        var chosen: [String] = []
        for candidate in queue
        where FileSystem.exists(AgentPaths(home: home, id: candidate.id).runPlan)
          && limits.fits(
            candidate, holding: holding, maxRunning: Self.maxRunning(home: home, id: candidate.id))
        {
          chosen.append(candidate.id)
          holding.append(candidate)
        }
        return chosen
      }
    } catch {
      logger.warning("cannot admit queued agents; the next command will try again", error: error)
      return []
    }
    var started: [String] = []
    for record in admitted {
      do {
        try startSupervisor(for: record.id)
        started.append(record.id)
      } catch {
        logger.warning("cannot start the supervisor of a queued agent", agent: record.id, error: error)
        let reason = "could not start: \(error.message)"
        logger.attempt("mark the queued agent crashed", agent: record.id) {
          try store.transition(id: record.id, .crashBeforeStart, message: reason) { $0.error = reason }
        }
      }
    }
    return started
  }

  /// The file keeping agent `id`'s `spawn --max-running` limit: `<agent dir>/max-running`.
  static func maxRunningFile(home: StateHome, id: String) -> String {
    AgentPaths(home: home, id: id).directory + "/max-running"
  }

  /// Agent `id`'s `spawn --max-running` limit, if it was given one.
  static func maxRunning(home: StateHome, id: String) -> Int? {
    guard let data = FileSystem.contents(atPath: maxRunningFile(home: home, id: id)) else {
      return nil
    }
    return Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
  }

  /// The 1-based FIFO position of every queued agent (dismissed ones included), by id.
  public func queuePositions() throws(AgentError) -> [String: Int] {
    let queue = try storeCall {
      try store.list(AgentStore.Filter(statuses: [.queued], includeDismissed: true))
    }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    var positions: [String: Int] = [:]
    for (index, record) in queue.enumerated() { positions[record.id] = index + 1 }
    return positions
  }
}
