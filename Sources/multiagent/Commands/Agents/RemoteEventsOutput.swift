import Foundation
import JSONKit
import MultiAgent
import ProviderKit

/// What `events` shows of agents on hosts: their events as ingested from the hosts' spools (each
/// once, in the order ingested), beside the local ones.
enum RemoteEventsOutput {
  /// The hosts, when there are remote agents to show (never inside an agent).
  static func hosts(_ context: CommandContext) -> Hosts? {
    guard let hosts = RemoteAgentOutput.hosts(context), !((try? hosts.remoteAgentList()) ?? []).isEmpty else {
      return nil
    }
    return hosts
  }

  /// `events` without `--follow`: ingests once, then prints the local events and the remote ones
  /// together, by time. A host that does not answer is named on standard error; what was ingested
  /// from it before is shown.
  static func printOnce(
    local: [LiveEvent], hosts: Hosts, context: CommandContext, print: (LiveEvent) -> Void
  ) async throws {
    warn(about: await hosts.ingest(), context: context)
    let remote = try HostOutput.mappingErrors { try hosts.remoteEvents() }
    var next = remote.startIndex
    for event in local {
      while next < remote.endIndex, remote[next].event.time < time(of: event) {
        write(remote[next], context: context)
        next += 1
      }
      print(event)
    }
    for event in remote[next...] { write(event, context: context) }
  }

  /// `events --follow` (or `events --follow --agent NAME` of a remote agent, `agent`): prints the
  /// remote events held, then ingests every second and prints what is new, until cancelled or —
  /// with `agent` — until the host reports it completed, failed, stopped or crashed.
  static func follow(hosts: Hosts, agent: RemoteAgent?, context: CommandContext) async throws {
    var last: Int64 = 0
    var warned = Set<String>()
    while !Task.isCancelled {
      let report = await hosts.ingest(names: agent.map { [$0.name] })
      for (host, error) in report.unreachable where !warned.contains(host) {
        context.console.writeError("warning: \(error.message); its events follow when it answers\n")
        warned.insert(host)
      }
      warned.subtract(warned.filter { report.unreachable[$0] == nil })
      for event in (try? hosts.remoteEvents(after: last, agent: agent?.name)) ?? [] {
        write(event, context: context)
        last = event.sequence
      }
      if let agent {
        if report.statuses[agent.name].flatMap(AgentStatus.init(rawValue:))?.isTerminal ?? false { return }
        if report.unreachable.isEmpty, report.statuses[agent.name] == nil { throw RemoteLogs.gone(agent) }
      }
      try? await Task.sleep(for: .seconds(1))
    }
  }

  /// `events --agent NAME` of a remote agent.
  static func run(agent: RemoteAgent, hosts: Hosts, follow: Bool, context: CommandContext) async throws
    -> ExitCode
  {
    if follow {
      try await self.follow(hosts: hosts, agent: agent, context: context)
      return .success
    }
    warn(about: await hosts.ingest(names: [agent.name]), context: context)
    for event in try HostOutput.mappingErrors({ try hosts.remoteEvents(agent: agent.name) }) {
      write(event, context: context)
    }
    return .success
  }

  /// Names each host that did not answer on standard error.
  static func warn(about report: IngestReport, context: CommandContext) {
    for (_, error) in report.unreachable.sorted(by: { $0.key < $1.key }) {
      context.console.writeError("warning: \(error.message); showing the events ingested before\n")
    }
  }

  /// Prints one remote event: `TIME  NAME@HOST  TYPE  FROM -> TO  MESSAGE`, or its JSON (`host`,
  /// `agent`, and the host's own `id`).
  static func write(_ remote: RemoteEvent, context: CommandContext) {
    if context.json {
      AgentOutput.writeJSON(remote.jsonValue, to: context.console)
      return
    }
    let event = remote.event
    var line =
      "\(AgentOutput.timestamp(event.time))  \(remote.agentName)@\(remote.host)  \(event.type.rawValue)"
    switch (event.fromStatus, event.toStatus) {
    case (let from?, let to?): line += "  \(from.rawValue) -> \(to.rawValue)"
    case (nil, let to?): line += "  \(to.rawValue)"
    default: break
    }
    if let message = event.message, !message.isEmpty { line += "  \(message)" }
    context.console.write(line + "\n")
  }

  /// When a local event happened.
  static func time(of event: LiveEvent) -> Date {
    switch event {
    case .stored(let event): event.time
    case .heartbeat(let beat): beat.time
    case .childCompleted(let done): done.time
    }
  }
}
