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
      With --json, one event per line (NDJSON), each with a "type": stored events
      {"id","agent_id","time","type","from_status","to_status","message","data"}, and derived ones
      (never stored): "child_completed" for a parent when a child finishes, and with --follow a
      "heartbeat" every 5 s for each starting or running agent (see the README's "Events stream").
      --follow keeps printing new events until interrupted; with --agent it ends once that agent is
      completed, failed, stopped or crashed. Inside an agent, only its children's events.
      Agents on hosts (spawn --host): their events are ingested from each host's spool, one SSH call
      per host (every second with --follow), each event once; lines read NAME@HOST, and with --json
      each object has "host" and "agent", its "id" being the event's sequence on that host. A host
      that does not answer is named on stderr; its events follow once it answers again.
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
    let manager = try context.agentManager(catalogOptional: true)
    var agentID: String?
    if let agentReference {
      // An agent on a host has no local record: its events are the ingested ones alone.
      if (try? manager.agent(agentReference)) == nil,
        let (hosts, agent) = RemoteAgentOutput.lookup(agentReference, context)
      {
        return try await RemoteEventsOutput.run(agent: agent, hosts: hosts, follow: follows, context: context)
      }
      agentID = try manager.agent(agentReference).id
    }
    // Agents on hosts: their ingested events too, unless one local agent is asked for.
    let hosts = agentID == nil ? RemoteEventsOutput.hosts(context) : nil
    guard follows else {
      var reader = try LiveEventReader(manager: manager, agentID: agentID)
      let events = try reader.poll(heartbeats: false)
      let write = { (event: LiveEvent) in print(event, name: reader.name(of:), context: context) }
      guard let hosts else {
        events.forEach(write)
        return .success
      }
      try await RemoteEventsOutput.printOnce(local: events, hosts: hosts, context: context, print: write)
      return .success
    }
    let remote = hosts.map { hosts in
      Task { try? await RemoteEventsOutput.follow(hosts: hosts, agent: nil, context: context) }
    }
    defer { remote?.cancel() }
    // Followed: the library's lifecycle sequence, until the agent (if one is named) is terminal.
    let terminal = Set(AgentStatus.allCases.filter(\.isTerminal))
    var events = try manager.lifecycleEvents(of: agentID, until: terminal, heartbeats: true)
      .makeAsyncIterator()
    while let event = try await events.next() {
      print(event, name: { [events] in events.name(of: $0) }, context: context)
    }
    return .success
  }

  /// Prints one event: a line for people, or one JSON object per line with `--json`.
  private func print(_ event: LiveEvent, name: (String) -> String?, context: CommandContext) {
    if context.json {
      AgentOutput.writeJSON(event.jsonValue, to: context.console)
      return
    }
    var line: String
    switch event {
    case .stored(let event):
      line = "\(AgentOutput.timestamp(event.time))  \(name(event.agentID) ?? event.agentID)"
      line += "  \(event.type.rawValue)"
      switch (event.fromStatus, event.toStatus) {
      case (let from?, let to?): line += "  \(from.rawValue) -> \(to.rawValue)"
      case (nil, let to?): line += "  \(to.rawValue)"
      default: break
      }
      if let message = event.message, !message.isEmpty { line += "  \(message)" }
    case .heartbeat(let beat):
      line = "\(AgentOutput.timestamp(beat.time))  heartbeat \(beat.name) \(beat.status.rawValue)"
      line +=
        " (age \(AgentOutput.age(since: beat.time.addingTimeInterval(-Double(beat.ageSeconds)), now: beat.time)))"
    case .childCompleted(let done):
      line = "\(AgentOutput.timestamp(done.time))  \(done.parentName ?? done.parentID)  child_completed"
      line += "  \(done.childName) \(done.statusName)"
      if let error = done.error, !error.isEmpty { line += ": \(error)" }
    }
    context.console.write(line + "\n")
  }
}
