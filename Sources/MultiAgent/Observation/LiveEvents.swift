import Foundation
import JSONKit
import ProviderKit

/// One line of the events stream (`multiagent events`): a stored event, or one derived by the reader
/// and never stored (heartbeats of running agents, a parent's `child_completed`).
///
/// Every JSON form has a `type` key; `time` is ISO-8601 text in UTC with milliseconds.
public enum LiveEvent: Sendable, Hashable {
  /// A row of the `events` table, in its stored JSON shape.
  case stored(StoredEvent)
  /// An agent is still starting or running (synthesized every few seconds while following).
  case heartbeat(Heartbeat)
  /// A child of the agent reached a terminal status (derived from the child's status change).
  case childCompleted(ChildCompletion)

  /// A running agent's sign of life.
  public struct Heartbeat: Sendable, Hashable {
    /// The agent.
    public var agentID: String
    /// Its name.
    public var name: String
    /// Its status (`starting` or `running`).
    public var status: AgentStatus
    /// Its parent, if any.
    public var parentID: String?
    /// When the heartbeat was made.
    public var time: Date
    /// Whole seconds since the agent started (since it was created when it has not started yet).
    public var ageSeconds: Int

    /// Creates a heartbeat.
    public init(
      agentID: String, name: String, status: AgentStatus, parentID: String?, time: Date, ageSeconds: Int
    ) {
      self.agentID = agentID
      self.name = name
      self.status = status
      self.parentID = parentID
      self.time = time
      self.ageSeconds = ageSeconds
    }
  }

  /// A child reached `completed`, `failed`, `stopped` or `crashed`.
  public struct ChildCompletion: Sendable, Hashable {
    /// The parent (the event belongs to it).
    public var parentID: String
    /// The parent's name, when known.
    public var parentName: String?
    /// The child.
    public var childID: String
    /// The child's name.
    public var childName: String
    /// The child's terminal status.
    public var status: AgentStatus
    /// The child's error, if any.
    public var error: String?
    /// When the child's status changed.
    public var time: Date
    /// Whether the child never ran: it was stopped while still queued.
    public var skipped: Bool

    /// `skipped` for a child stopped before it ran, else its status.
    public var statusName: String { skipped ? "skipped" : status.rawValue }

    /// Creates a completion.
    public init(
      parentID: String, parentName: String?, childID: String, childName: String, status: AgentStatus,
      error: String?, time: Date, skipped: Bool = false
    ) {
      self.skipped = skipped
      self.parentID = parentID
      self.parentName = parentName
      self.childID = childID
      self.childName = childName
      self.status = status
      self.error = error
      self.time = time
    }
  }

  /// The `type` of the JSON form: the stored event's type, `heartbeat` or `child_completed`.
  public var typeName: String {
    switch self {
    case .stored(let event): event.type.rawValue
    case .heartbeat: "heartbeat"
    case .childCompleted: "child_completed"
    }
  }

  /// The event as one JSON object (keys in sorted order). Stored events keep their stored shape.
  public var jsonValue: JSONValue {
    func text(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
    switch self {
    case .stored(let event):
      return event.jsonValue
    case .heartbeat(let beat):
      return .object(
        JSONObject(
          keys: ["age_seconds", "agent", "agent_id", "parent_id", "status", "time", "type"],
          values: [
            .number(Double(beat.ageSeconds)), .string(beat.name), .string(beat.agentID), text(beat.parentID),
            .string(beat.status.rawValue), .time(beat.time.timeIntervalSince1970), .string(typeName),
          ]))
    case .childCompleted(let done):
      return .object(
        JSONObject(
          keys: ["agent", "agent_id", "child", "child_id", "error", "status", "time", "type"],
          values: [
            text(done.parentName), .string(done.parentID), .string(done.childName), .string(done.childID),
            text(done.error), .string(done.statusName), .time(done.time.timeIntervalSince1970),
            .string(typeName),
          ]))
    }
  }
}

/// Reads the events stream of an ``AgentManager`` in polls: the stored events after the last one
/// read, each terminal status change of a child followed by a derived `child_completed` for its
/// parent, and — when asked — heartbeats of the agents in scope that are starting or running.
///
/// Scope: with `agentID`, that agent's stored events and heartbeats and the `child_completed` of its
/// children; without, everything ``AgentManager/authority`` may see (an agent's token: its children).
public struct LiveEventReader {
  /// How often ``poll(heartbeats:)`` makes heartbeats.
  public static let heartbeatInterval: Duration = .seconds(5)

  /// The manager read from.
  public let manager: AgentManager
  /// The one agent followed, if any.
  public let agentID: String?
  /// Between two rounds of heartbeats.
  public let interval: Duration
  private var lastID: Int64 = 0
  private var records: [String: AgentRecord] = [:]
  private var lastHeartbeat: ContinuousClock.Instant?
  private let clock = ContinuousClock()

  /// A reader from the first stored event.
  ///
  /// - Throws: ``AgentError`` (`store`).
  public init(manager: AgentManager, agentID: String?, interval: Duration = heartbeatInterval)
    throws(AgentError)
  {
    self.manager = manager
    self.agentID = agentID
    self.interval = interval
    for record in try manager.list(.all) where records[record.id] == nil { records[record.id] = record }
  }

  /// The name of agent `id`, when known.
  public func name(of id: String) -> String? { records[id]?.name }

  /// The events stored since the last poll, with their derived `child_completed`; then, with
  /// `heartbeats` and when at least ``interval`` passed since the last round (or on the first call),
  /// one heartbeat per agent in scope that is starting or running.
  ///
  /// - Throws: ``AgentError`` (`store`).
  public mutating func poll(heartbeats: Bool) throws(AgentError) -> [LiveEvent] {
    var result: [LiveEvent] = []
    let events: [StoredEvent]
    do { events = try manager.store.events(afterID: lastID) } catch {
      throw AgentError(.store, error.description)
    }
    for event in events {
      lastID = event.id
      let record = self.record(event.agentID, refresh: records[event.agentID] == nil)
      // An agent's token sees the events of its children only (`records` holds just those).
      let visible =
        (record != nil || manager.authority.isUser) && (agentID == nil || agentID == event.agentID)
      if visible { result.append(.stored(event)) }
      // Only children are read again (for their error); a parent never changes.
      guard event.type == .statusChanged, let status = event.toStatus, status.isTerminal,
        record?.parentID != nil, let child = self.record(event.agentID, refresh: true),
        let parentID = child.parentID
      else { continue }
      // Shown to whoever sees the child, or follows the parent.
      guard agentID == nil ? visible : agentID == parentID else { continue }
      result.append(
        .childCompleted(
          LiveEvent.ChildCompletion(
            parentID: parentID,
            parentName: records[parentID]?.name ?? (try? manager.store.agent(id: parentID))??.name,
            childID: child.id, childName: child.name, status: status,
            error: child.error, time: event.time, skipped: event.fromStatus == .queued)))
    }
    if heartbeats, lastHeartbeat.map({ clock.now - $0 >= interval }) ?? true {
      lastHeartbeat = clock.now
      result += try heartbeatEvents()
    }
    return result
  }

  /// One heartbeat per agent in scope that is starting or running.
  private func heartbeatEvents() throws(AgentError) -> [LiveEvent] {
    let live: Set<AgentStatus> = [.starting, .running]
    let running: [AgentRecord]
    if let agentID {
      running = [try manager.agent(agentID)].filter { live.contains($0.status) }
    } else {
      running = try manager.list(AgentStore.Filter(statuses: live, includeDismissed: true))
    }
    let now = Date()
    return running.map { record in
      .heartbeat(
        LiveEvent.Heartbeat(
          agentID: record.id, name: record.name, status: record.status, parentID: record.parentID,
          time: now, ageSeconds: max(0, Int(now.timeIntervalSince(record.startedAt ?? record.createdAt)))))
    }
  }

  /// Agent `id` as the authority may see it: the cached record, or (with `refresh` or when unknown)
  /// the stored one, cached; nil when it is gone or out of reach.
  private mutating func record(_ id: String, refresh: Bool = false) -> AgentRecord? {
    if !refresh, let known = records[id] { return known }
    guard let fresh = try? manager.agent(id) else { return records[id] }
    records[id] = fresh
    return fresh
  }
}
