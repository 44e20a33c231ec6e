import Foundation
import MultiAgent
import ProviderKit
import Synchronization

/// Following an agent's log (`logs [--follow] [--raw]`, `spawn --follow`): its events from the
/// library's event sequence, its descendants' alongside, or the raw bytes.
extension AgentOutput {
  /// Prints the agent's log as it grows — event lines, NDJSON events with `--json`, or the raw bytes
  /// — until it is no longer queued, starting or running, then prints the rest.
  ///
  /// With `children` (and `follow`, not `raw`), the parsed events of its descendants are printed too
  /// as they appear — each line prefixed `[child-name] `, or each JSON object with an `"agent"` key —
  /// including those spawned while following, until none of the family is queued, starting or running.
  ///
  /// - Returns: the record once it settled.
  /// - Throws: ``AgentError`` (`timed_out` after `timeout`, `not_found` when it was deleted).
  static func followLog(
    of record: AgentRecord, manager: AgentManager, raw: Bool, context: CommandContext, follow: Bool,
    timeout: Duration? = nil, children: Bool = false
  ) async throws(AgentError) -> AgentRecord {
    if raw || !follow {
      return try await readLog(
        of: record, manager: manager, raw: raw, context: context, follow: follow, timeout: timeout)
    }
    // The agent's events come from the library's event sequence, printed by a task of their own;
    // this loop follows the family and keeps the time.
    let parentDone = Mutex(false)
    let (json, console) = (context.json, context.console)
    let printing = Task {
      var printer = EventPrinter(json: json, console: console)
      do {
        for try await event in try manager.events(of: record.id, until: settled) { printer.print(event) }
      } catch {}
      parentDone.withLock { $0 = true }
    }
    defer { printing.cancel() }
    var family = FamilyLogs(manager: manager, parentID: record.id, json: json, console: console)
    let clock = ContinuousClock()
    let start = clock.now
    while true {
      let done = parentDone.withLock { $0 }
      let familyActive = children && family.poll(refresh: done)
      if done && !familyActive {
        await printing.value
        return try manager.agent(record.id)
      }
      if let timeout, clock.now - start >= timeout {
        let current = try manager.agent(record.id)
        throw AgentError(.timedOut, "\(current.name) is still \(current.status.rawValue) after \(timeout)")
      }
      try? await Task.sleep(for: .milliseconds(100))
    }
  }

  /// The statuses at which following a log ends: every one but queued, starting and running.
  private static let settled = Set(AgentStatus.allCases).subtracting([.queued, .starting, .running])

  /// `logs --raw [--follow]` and `logs` without `--follow`: the log read in polls.
  private static func readLog(
    of record: AgentRecord, manager: AgentManager, raw: Bool, context: CommandContext, follow: Bool,
    timeout: Duration?
  ) async throws(AgentError) -> AgentRecord {
    var reader = manager.logReader(for: record)
    var printer = EventPrinter(json: context.json, console: context.console)
    let clock = ContinuousClock()
    let start = clock.now
    var lastReconcile = start
    while true {
      // The status is read before the log: once it is settled, everything is in the log.
      let current = try manager.agent(record.id)
      let active = follow && !settled.contains(current.status)
      if raw {
        while case let bytes = reader.rawBytes(), !bytes.isEmpty { writeBytes(bytes) }
      } else {
        for event in reader.events(final: !active) { printer.print(event) }
      }
      if !active { return current }
      if let timeout, clock.now - start >= timeout {
        throw AgentError(.timedOut, "\(current.name) is still \(current.status.rawValue) after \(timeout)")
      }
      if clock.now - lastReconcile > .seconds(2) {
        manager.reconcile()
        lastReconcile = clock.now
      }
      try? await Task.sleep(for: .milliseconds(100))
    }
  }

  /// The logs of an agent's descendants, followed together (see ``followLog(of:manager:raw:context:follow:timeout:children:)``).
  private struct FamilyLogs {
    let manager: AgentManager
    let parentID: String
    let json: Bool
    let console: Console
    private var members: [(id: String, reader: AgentLogReader, printer: EventPrinter, done: Bool)] = []
    private var lastRefresh: ContinuousClock.Instant?
    private let clock = ContinuousClock()

    init(manager: AgentManager, parentID: String, json: Bool, console: Console) {
      self.manager = manager
      self.parentID = parentID
      self.json = json
      self.console = console
    }

    /// Picks up new descendants (every 500 ms, or now with `refresh`), prints what their logs gained,
    /// and tells whether any of them is still queued, starting or running.
    mutating func poll(refresh: Bool) -> Bool {
      if refresh || lastRefresh.map({ clock.now - $0 >= .milliseconds(500) }) ?? true {
        lastRefresh = clock.now
        let tree = (try? manager.tree(parentID, includeDismissed: true)) ?? []
        for (_, record) in tree.first?.flattened.dropFirst() ?? []
        where !members.contains(where: { $0.id == record.id }) {
          members.append(
            (
              record.id, manager.logReader(for: record),
              EventPrinter(json: json, console: console, agent: record.name), false
            ))
        }
      }
      var active = false
      for index in members.indices where !members[index].done {
        // The status is read before the log, as for the parent.
        let status = (try? manager.agent(members[index].id))?.status
        let running = status.map { [.queued, .starting, .running].contains($0) } ?? false
        for event in members[index].reader.events(final: !running) { members[index].printer.print(event) }
        if running { active = true } else { members[index].done = true }
      }
      return active
    }
  }
}
