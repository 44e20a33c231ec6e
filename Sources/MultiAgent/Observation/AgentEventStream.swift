import Foundation
import ProcessKit
import ProviderKit

extension AgentStatus {
  /// The statuses in which an agent has stopped producing output for now: terminal, or waiting for
  /// an answer or an account. Event sequences finish there.
  public static let settled: Set<AgentStatus> = [
    .completed, .failed, .stopped, .crashed, .waitingForInput, .waitingForAccount,
  ]
}

/// An agent's parsed output as an `AsyncSequence`: every ``AgentEvent`` from the start of its log,
/// then each new one as the supervisor appends output, finishing once the agent settles (see
/// ``AgentStatus/settled``) and its last line is read. Made by ``AgentManager/events(of:)``.
///
/// Reading never changes the agent. The log is polled (every 100 ms while nothing is new), and
/// every 2 s the manager reconciles, so a supervisor that died is noticed and the sequence still
/// finishes. Cancelling the task that iterates ends it early.
public struct AgentEventStream: AsyncSequence, Sendable {
  /// Each element is one normalized event.
  public typealias Element = AgentEvent

  /// The manager read from.
  public let manager: AgentManager
  /// The agent.
  public let agentID: String
  /// The statuses that finish the sequence.
  public let until: Set<AgentStatus>

  /// Starts reading from the first byte of the log.
  public func makeAsyncIterator() -> Iterator {
    Iterator(manager: manager, agentID: agentID, until: until)
  }

  /// Reads the log as the sequence is iterated.
  public struct Iterator: AsyncIteratorProtocol {
    let manager: AgentManager
    let agentID: String
    let until: Set<AgentStatus>
    private var reader: AgentLogReader?
    private var buffer: [AgentEvent] = []
    private var finished = false
    private var lastReconcile = ContinuousClock.now
    private var signal: EventSignal?
    private var triedSignal = false

    init(manager: AgentManager, agentID: String, until: Set<AgentStatus>) {
      self.manager = manager
      self.agentID = agentID
      self.until = until
    }

    /// The next event; `nil` once the agent settled and its log is read to the end.
    ///
    /// - Throws: ``AgentError`` when the agent cannot be read (deleted meanwhile).
    public mutating func next() async throws -> AgentEvent? {
      while buffer.isEmpty {
        if finished || Task.isCancelled { return nil }
        // The status is read before the log: once it is settled, everything is in the log.
        let record = try manager.agent(agentID, allowSelf: true)
        if reader == nil { reader = manager.logReader(for: record) }
        let settled = until.contains(record.status)
        buffer = reader?.events(final: settled) ?? []
        buffer.reverse()
        if settled {
          finished = true
        } else if buffer.isEmpty {
          if ContinuousClock.now - lastReconcile > .seconds(2) {
            manager.reconcile()
            lastReconcile = .now
          }
          try? await Task.sleep(for: .milliseconds(100))
        }
      }
      return buffer.popLast()
    }
  }
}

/// The lifecycle of agents as an `AsyncSequence` of ``LiveEvent``s: stored events (created, status
/// changes, account switches, …) from the first one, each child's completion, and — when asked —
/// heartbeats of agents that are starting or running. Made by ``AgentManager/lifecycleEvents(of:until:heartbeats:)``.
///
/// For one agent it finishes once that agent reaches one of `until`; for every agent in the
/// manager's scope it goes on until the iterating task is cancelled.
public struct LifecycleEventStream: AsyncSequence, Sendable {
  /// Each element is one event.
  public typealias Element = LiveEvent

  /// The manager read from.
  public let manager: AgentManager
  /// The one agent followed, if any.
  public let agentID: String?
  /// The statuses of that agent that finish the sequence.
  public let until: Set<AgentStatus>
  /// Whether heartbeats are made.
  public let heartbeats: Bool

  /// Starts from the first stored event.
  public func makeAsyncIterator() -> Iterator {
    Iterator(stream: self)
  }

  /// Reads the events table as the sequence is iterated.
  public struct Iterator: AsyncIteratorProtocol {
    let stream: LifecycleEventStream
    private var reader: LiveEventReader?
    private var buffer: [LiveEvent] = []
    private var finished = false
    private var lastReconcile = ContinuousClock.now
    private var signal: EventSignal?
    private var triedSignal = false

    init(stream: LifecycleEventStream) {
      self.stream = stream
    }

    /// The name of agent `id`, when the reader knows it (for printing).
    public func name(of id: String) -> String? { reader?.name(of: id) }

    /// The next event; `nil` once the followed agent reached a finishing status.
    ///
    /// - Throws: ``AgentError`` when the store cannot be read.
    public mutating func next() async throws -> LiveEvent? {
      while buffer.isEmpty {
        if finished || Task.isCancelled { return nil }
        var reader = try self.reader ?? LiveEventReader(manager: stream.manager, agentID: stream.agentID)
        // The status is read before the events: once it finishes, its last events are stored.
        let done =
          try stream.agentID.map { id throws(AgentError) in
            stream.until.contains(try stream.manager.agent(id, allowSelf: true).status)
          } ?? false
        buffer = try reader.poll(heartbeats: stream.heartbeats && !done)
        self.reader = reader
        buffer.reverse()
        if done {
          finished = true
        } else if buffer.isEmpty {
          if ContinuousClock.now - lastReconcile > .seconds(2) {
            stream.manager.reconcile()
            lastReconcile = .now
          }
          // On PostgreSQL a stored event wakes the follower at once; the wait stays bounded, since the
          // status read above must be polled too.
          if signal == nil, !triedSignal {
            triedSignal = true
            signal = stream.manager.store.eventSignal()
          }
          if let signal {
            await awaitBlocking { signal.wait(timeout: .milliseconds(200)) }
          } else {
            try? await Task.sleep(for: .milliseconds(200))
          }
        }
      }
      return buffer.popLast()
    }
  }
}

extension AgentManager {
  /// The parsed events of agent `reference` (a name or an id) from the start of its log, as they
  /// come, finishing when it settles (completed, failed, stopped, crashed, waiting for input or for
  /// an account).
  ///
  /// ```swift
  /// for try await event in try manager.events(of: "brave-otter") {
  ///   if case .assistantText(let text) = event.kind { print(text) }
  /// }
  /// ```
  ///
  /// - Throws: ``AgentError`` (`not_found`, `forbidden`) when the agent cannot be followed.
  public func events(of reference: String) throws(AgentError) -> AgentEventStream {
    try events(of: reference, until: AgentStatus.settled)
  }

  /// Like ``events(of:)``, finishing at the statuses `until` instead.
  public func events(of reference: String, until: Set<AgentStatus>) throws(AgentError) -> AgentEventStream {
    AgentEventStream(manager: self, agentID: try agent(reference, allowSelf: true).id, until: until)
  }

  /// The lifecycle events of agent `reference` (or, with `nil`, of every agent in scope) from the
  /// first stored one, as they come; for one agent, finishing once it reaches one of `until`.
  ///
  /// - Parameter heartbeats: add a heartbeat every 5 s per agent that is starting or running.
  /// - Throws: ``AgentError`` (`not_found`, `forbidden`) when the agent cannot be followed.
  public func lifecycleEvents(
    of reference: String? = nil, until: Set<AgentStatus> = AgentStatus.settled, heartbeats: Bool = false
  ) throws(AgentError) -> LifecycleEventStream {
    let id = try reference.map { reference throws(AgentError) in try agent(reference).id }
    return LifecycleEventStream(manager: self, agentID: id, until: until, heartbeats: heartbeats)
  }
}
