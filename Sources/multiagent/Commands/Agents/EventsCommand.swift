import Foundation
import MultiAgent
import ProviderKit

/// `multiagent events`: the stored history of agents (creation, status changes, …).
struct EventsCommand: ParsableCommand {
  static let follow = Flag("follow", short: "f", help: "Keep printing new events as they are stored.")
  static let agent = Option<String>("agent", valueName: "name", help: "Only this agent's events.")

  static let configuration = CommandConfiguration(
    name: "events",
    abstract: "Show stored agent events (creation, status changes), oldest first.",
    discussion: """
      With --json, one event per line (NDJSON): {"id","agent_id","time","type","from_status",
      "to_status","message","data"}. --follow keeps printing new events until interrupted; with
      --agent it ends once that agent is completed, failed, stopped or crashed. Inside an agent, only
      its children's events.
      """,
    options: [follow, agent]
  )

  let follows: Bool
  let agentReference: String?

  init(arguments: ParsedArguments) throws {
    follows = arguments.isSet(Self.follow)
    agentReference = try arguments.value(Self.agent)
  }

  func run(context: CommandContext) async throws -> ExitCode {
    let manager = try context.agentManager()
    let agentID = try agentReference.map { reference throws(AgentError) in try manager.agent(reference).id }
    var names = try Dictionary(
      manager.list(.all).map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
    var lastID: Int64 = 0
    let clock = ContinuousClock()
    var lastReconcile = clock.now
    while true {
      // Read the agent's status before its events: once it is terminal, its last events are stored.
      let finished =
        try agentID.map { id throws(AgentError) in try manager.agent(id).status.isTerminal } ?? false
      let events = try manager.storeEvents(agentID: agentID, afterID: lastID)
      for event in events {
        lastID = event.id
        if names[event.agentID] == nil, let record = try? manager.agent(event.agentID) {
          names[event.agentID] = record.name
        }
        // An agent's token sees the events of its children only (`names` holds just those).
        if !manager.authority.isUser && names[event.agentID] == nil { continue }
        print(event, name: names[event.agentID], context: context)
      }
      if !follows || finished { return .success }
      if clock.now - lastReconcile > .seconds(2) {
        manager.reconcile()
        lastReconcile = clock.now
      }
      try? await Task.sleep(for: .milliseconds(200))
    }
  }

  private func print(_ event: StoredEvent, name: String?, context: CommandContext) {
    if context.json {
      AgentOutput.writeJSON(event.jsonValue, to: context.console)
      return
    }
    var line = "\(AgentOutput.timestamp(event.time))  \(name ?? event.agentID)  \(event.type.rawValue)"
    switch (event.fromStatus, event.toStatus) {
    case (let from?, let to?): line += "  \(from.rawValue) -> \(to.rawValue)"
    case (nil, let to?): line += "  \(to.rawValue)"
    default: break
    }
    if let message = event.message, !message.isEmpty { line += "  \(message)" }
    context.console.write(line + "\n")
  }
}

extension AgentManager {
  /// Stored events after `afterID`, of one agent or of all.
  fileprivate func storeEvents(agentID: String?, afterID: Int64) throws(AgentError) -> [StoredEvent] {
    do {
      if let agentID { return try store.events(agentID: agentID, afterID: afterID) }
      return try store.events(afterID: afterID)
    } catch { throw AgentError(.store, error.description) }
  }
}
