import Foundation
import JSONKit
import MultiAgent
import ProviderKit

/// What the agent commands do with agents that run on hosts (`spawn --host`). Nothing here runs
/// for a home where no host was ever reached (no `<home>/ssh`), nor inside an agent: local agents
/// take exactly the paths they always took.
enum RemoteAgentOutput {
  /// The hosts, when remote agents may exist.
  static func hosts(_ context: CommandContext) -> Hosts? {
    guard !context.carriesAgentIdentity, FileManager.default.fileExists(atPath: context.home.path + "/ssh")
    else { return nil }
    return try? Hosts(home: context.home, environment: context.environment)
  }

  /// The remote agent `reference` names, if any.
  static func lookup(_ reference: String, _ context: CommandContext) -> (Hosts, RemoteAgent)? {
    guard let hosts = hosts(context), let agent = try? hosts.remoteAgent(reference) else { return nil }
    return (hosts, agent)
  }

  /// Every remote agent, refreshed, that `list` shows for these filters.
  static func views(_ context: CommandContext, filter: AgentStore.Filter) async -> [RemoteAgentView] {
    guard let hosts = hosts(context), !((try? hosts.remoteAgentList()) ?? []).isEmpty else { return [] }
    return await hosts.refreshAll().filter { view in
      if let statuses = filter.statuses, !(view.status.map(statuses.contains) ?? false) { return false }
      if let provider = filter.provider, view.agent.provider != provider { return false }
      return filter.includeDismissed || view.record["dismissed_at"]?.timeValue == nil
    }
  }

  /// `list --json` with remote agents: the local records, then the remote ones.
  static func writeList(
    _ records: [AgentRecord], positions: [String: Int], remote: [RemoteAgentView], context: CommandContext
  ) {
    var values: [JSONValue] = records.map { record in
      guard let position = positions[record.id], case .object(var object) = record.jsonValue else {
        return record.jsonValue
      }
      object["queue_position"] = .number(Double(position))
      return .object(object)
    }
    values += remote.map(\.jsonValue)
    AgentOutput.writeJSON(.array(values), to: context.console)
  }

  /// A `list` table row of a remote agent.
  static func row(_ view: RemoteAgentView, now: Date, style: TextStyle) -> [String] {
    let status = view.status.map { style.status($0, label: view.unreachable == nil ? nil : "unreachable") }
    return [
      view.agent.name, view.agent.provider, view.record["account"]?.stringValue ?? "-",
      status ?? view.displayStatus, AgentOutput.age(since: view.agent.createdAt, now: now),
      view.record["task_id"]?.stringValue ?? "-",
    ]
  }

  /// `spawn --host NAME`.
  static func spawn(
    _ request: RemoteSpawnRequest, hostName: String, wait: Bool, follow: Bool, timeout: Duration?,
    context: CommandContext
  ) async throws -> ExitCode {
    // Inputs are checked before any host is asked anything, `auto`'s question included.
    try request.checkInputs()
    let hosts = try HostOutput.hosts(context)
    let host: RemoteHost
    if hostName == Hosts.automatic {
      guard let picked = await hosts.pickHost() else {
        throw CLIError(
          code: "no_host", message: "no host answers to run the agent on",
          hint: "see `multiagent hosts list`; add one with `multiagent hosts add NAME --ssh USER@HOST`",
          exitCode: .failure)
      }
      host = picked
    } else {
      host = try HostOutput.host(hostName, in: hosts)
    }
    let view = try await hosts.spawnRemote(
      request, on: host, binary: "/proc/self/exe", version: MultiAgentVersion.current)
    if follow {
      context.console.write(view.agent.name + "\n")
      _ = try await RemoteLogs.parsedLogs(view.agent, hosts: hosts, follow: true, context: context)
      return try await self.wait(view.agent, hosts: hosts, timeout: timeout, context: context, quiet: true)
    }
    if wait {
      if !context.json { context.console.write(view.agent.name + "\n") }
      return try await self.wait(view.agent, hosts: hosts, timeout: timeout, context: context)
    }
    if context.json {
      AgentOutput.writeJSON(view.jsonValue, to: context.console)
    } else {
      context.console.write(view.agent.name + "\n")
    }
    return .success
  }

  /// `wait NAME` of a remote agent: asks its host until it settles. While the host does not
  /// answer the agent is unreachable, not settled; the time limit is the controller's clock.
  /// A record gone from the host ends the wait with an error. `quiet` prints nothing but errors.
  static func wait(
    _ agent: RemoteAgent, hosts: Hosts, timeout: Duration?, context: CommandContext, quiet: Bool = false
  ) async throws -> ExitCode {
    let deadline = timeout.map { ContinuousClock.now + $0 }
    while true {
      let view = await hosts.refresh(agent)
      if view.unreachable == nil, view.isSettled, let status = view.status {
        return quiet ? AgentOutput.exitCode(for: status) : report(view, status: status, context: context)
      }
      if view.vanished {
        throw CLIError.failure(
          "not_found", "\(agent.name) is gone from host \(agent.host): the host has no record of it any more",
          hint: "`multiagent delete \(agent.name)` removes it here")
      }
      if let deadline, ContinuousClock.now >= deadline {
        let message = "\(agent.name) is still \(view.displayStatus) after \(timeout!); it was left as it is"
        context.console.writeError("error: \(message)\n")
        if context.json {
          AgentOutput.writeJSON(view.jsonValue, to: context.console)
        } else {
          context.console.write(view.displayStatus + "\n")
        }
        return .timedOut
      }
      try await Task.sleep(for: .milliseconds(500))
    }
  }

  private static func report(_ view: RemoteAgentView, status: AgentStatus, context: CommandContext)
    -> ExitCode
  {
    if context.json {
      AgentOutput.writeJSON(view.jsonValue, to: context.console)
    } else {
      context.console.write(status.rawValue + "\n")
      if status != .completed, let error = view.record["error"]?.stringValue {
        context.console.writeError("\(view.agent.name): \(error)\n")
      }
    }
    return AgentOutput.exitCode(for: status)
  }

  /// `show NAME` of a remote agent.
  static func show(_ agent: RemoteAgent, hosts: Hosts, context: CommandContext) async {
    let view = await hosts.refresh(agent)
    if context.json {
      AgentOutput.writeJSON(view.jsonValue, to: context.console)
      return
    }
    let record = view.record
    var rows: [(String, String?)] = [
      ("name", agent.name), ("id", agent.remoteID), ("host", agent.host), ("provider", agent.provider),
      ("status", view.displayStatus + (view.unreachable == nil ? "" : " (last seen \(agent.lastStatus))")),
      (
        "branch",
        record["branch"]?.stringValue.map { $0 + (view.agent.fetched ? " (fetched)" : " (on the host)") }
      ),
      ("worktree", record["worktree_path"]?.stringValue.map { $0 + " (on the host)" }),
      ("created", AgentOutput.timestamp(agent.createdAt)), ("result", record["result"]?.stringValue),
      ("error", view.unreachable?.message ?? record["error"]?.stringValue),
    ]
    rows = rows.filter { !($0.1 ?? "").isEmpty }
    let width = (rows.map(\.0.count).max() ?? 0) + 2
    context.console.write(
      rows.map { ($0.0 + ":").padding(to: width) + ($0.1 ?? "") }.joined(separator: "\n") + "\n")
  }

  /// `stop NAME` of a remote agent.
  static func stop(_ agent: RemoteAgent, hosts: Hosts, grace: Duration, context: CommandContext) async throws
    -> ExitCode
  {
    let view = try await hosts.stopRemote(agent, grace: grace)
    if context.json {
      AgentOutput.writeJSON(view.jsonValue, to: context.console)
    } else {
      context.console.write("stopped \(agent.name)\n")
    }
    return .success
  }

  /// `delete NAME` of a remote agent: on the host and here.
  static func delete(_ agent: RemoteAgent, hosts: Hosts, keepBranch: Bool, context: CommandContext)
    async throws -> ExitCode
  {
    let kept = try await hosts.deleteRemote(agent, keepBranch: keepBranch)
    if context.json {
      AgentOutput.writeJSON(
        .object(
          JSONObject(
            keys: ["deleted", "descendants", "id", "kept_branch", "name"],
            values: [
              .bool(true), .array([]), .string(agent.remoteID), kept.map { .string($0) } ?? .null,
              .string(agent.name),
            ])), to: context.console)
    } else {
      context.console.write("deleted \(agent.name)" + (kept.map { " (kept branch \($0))" } ?? "") + "\n")
    }
    return .success
  }
}
