import JSONKit

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// A remote agent as the controller sees it now: its row, and the record the host gave (fresh, or
/// the last one when the host does not answer).
public struct RemoteAgentView: Sendable {
  /// The controller's row.
  public var agent: RemoteAgent
  /// The host's record of the agent (its `show --json`).
  public var record: JSONValue
  /// Why the host did not answer, or nil when it did.
  public var unreachable: HostError?

  /// Whether the host answered that it has no such agent (any more).
  public var vanished: Bool

  /// Creates a view.
  public init(agent: RemoteAgent, record: JSONValue, unreachable: HostError?, vanished: Bool = false) {
    self.agent = agent
    self.record = record
    self.unreachable = unreachable
    self.vanished = vanished
  }

  /// The status the host last gave.
  public var status: AgentStatus? { AgentStatus(rawValue: agent.lastStatus) }

  /// What `list` and `show` show: the host's status, or `unreachable` while the host does not
  /// answer (a display status only: the agent keeps its last status and identity).
  public var displayStatus: String { unreachable == nil ? agent.lastStatus : "unreachable" }

  /// Whether the agent stopped moving when last seen: finished, or waiting for input.
  public var isSettled: Bool { status.map { $0.isTerminal || $0 == .waitingForInput } ?? false }

  /// The record as `--json` prints it: the host's, with `host` and the display status (and, while
  /// unreachable, `last_status` and `unreachable_error`).
  public var jsonValue: JSONValue {
    var object = record.objectValue ?? JSONObject()
    // A record kept from a host of an earlier version has its times as numbers.
    for key in ["created_at", "updated_at", "started_at", "finished_at", "dismissed_at"] {
      if case .number(let seconds) = object[key] { object[key] = .time(seconds) }
    }
    object["host"] = .string(agent.host)
    object["status"] = .string(displayStatus)
    if let unreachable {
      object["last_status"] = .string(agent.lastStatus)
      object["unreachable_error"] = .string(unreachable.message)
    }
    return .object(object)
  }
}

extension Hosts {
  /// The remote agent called `reference` (its name, or its id on the host), or nil.
  public func remoteAgent(_ reference: String) throws(StoreError) -> RemoteAgent? {
    try remoteAgents.agent(reference)
  }

  /// Every remote agent, oldest first, as last seen (no host is asked).
  public func remoteAgentList() throws(StoreError) -> [RemoteAgent] { try remoteAgents.list() }

  /// Asks the host for `agent`'s record now and keeps it. A host that does not answer within
  /// `timeout` leaves the last record, shown as unreachable. When the agent has settled, its branch
  /// is fetched into the local repository (once).
  public func refresh(_ agent: RemoteAgent, timeout: Duration = .seconds(5)) async -> RemoteAgentView {
    guard let host = try? store.host(named: agent.host) else {
      return stale(agent, HostError(.unreachable, host: agent.host, "host \(agent.host) is not in the list"))
    }
    var agent = agent
    if outbox.hasPending(host: host.name) {
      await deliverKept(to: host)
      agent = (try? remoteAgents.agent(agent.name)) ?? agent
    }
    do {
      let text = try await forward(
        RemoteScripts.multiagent, ["--json", "show", agent.remoteID], of: agent, timeout: timeout)
      let record = try? JSONParser.parse(Array(text.utf8))
      await tendAccounts(on: host, records: record.map { [$0] } ?? [], timeout: timeout)
      return await keep(record ?? .null, text: text, of: agent, host: host)
    } catch let error as RemoteCommandError {
      var view = stale(agent, HostError(.remoteFailed, host: host.name, error.message))
      view.vanished = error.code == "not_found"
      return view
    } catch let error as HostError {
      return stale(agent, error)
    } catch {
      return stale(agent, HostError(.remoteFailed, host: host.name, "\(error)"))
    }
  }

  /// Every remote agent, refreshed with one call per host, all hosts at once.
  public func refreshAll(timeout: Duration = .seconds(5)) async -> [RemoteAgentView] {
    let rows = (try? remoteAgents.list()) ?? []
    let byHost = Dictionary(grouping: rows) { $0.host.lowercased() }
    var views: [String: RemoteAgentView] = [:]
    await withTaskGroup(of: [RemoteAgentView].self) { group in
      for (_, agents) in byHost {
        group.addTask { await refresh(agents, onOneHost: timeout) }
      }
      for await batch in group { for view in batch { views[view.agent.name] = view } }
    }
    return rows.compactMap { views[$0.name] }
  }

  private func refresh(_ agents: [RemoteAgent], onOneHost timeout: Duration) async -> [RemoteAgentView] {
    guard let first = agents.first, let host = try? store.host(named: first.host) else {
      return agents.map {
        stale($0, HostError(.unreachable, host: $0.host, "host \($0.host) is not in the list"))
      }
    }
    var agents = agents
    if outbox.hasPending(host: host.name) {
      await deliverKept(to: host)
      agents = agents.map { (try? remoteAgents.agent($0.name)) ?? $0 }
    }
    let records: [String: JSONValue]
    do {
      let text = try await runMultiAgent(["--json", "list", "--all"], on: host, timeout: timeout)
      let array = (try? JSONParser.parse(Array(text.utf8)))?.arrayValue ?? []
      records = Dictionary(array.compactMap { item in item["id"]?.stringValue.map { ($0, item) } }) { a, _ in
        a
      }
    } catch {
      return agents.map { stale($0, error) }
    }
    await tendAccounts(on: host, records: Array(records.values), timeout: timeout)
    var views: [RemoteAgentView] = []
    for agent in agents {
      guard let record = records[agent.remoteID] else {
        var view = stale(agent, nil)
        view.vanished = true
        views.append(view)
        continue
      }
      views.append(await keep(record, text: JSONWriter.string(record), of: agent, host: host))
    }
    return views
  }

  /// Keeps a fresh record and fetches the branch of a settled agent.
  private func keep(_ record: JSONValue, text: String, of agent: RemoteAgent, host: RemoteHost) async
    -> RemoteAgentView
  {
    var agent = agent
    agent.lastRecord = text.trimmingCharacters(in: .whitespacesAndNewlines)
    agent.lastStatus = record["status"]?.stringValue ?? agent.lastStatus
    var view = RemoteAgentView(agent: agent, record: record, unreachable: nil)
    if view.isSettled, !agent.fetched, let repository = agent.repository, let mirror = agent.mirror,
      let branch = record["branch"]?.stringValue
    {
      let refspec = "+refs/heads/\(branch):refs/heads/\(branch)"
      if (try? await localGit(
        ["fetch", "--quiet", gitURL(host, mirror), refspec], in: repository, host: host, ssh: true))
        != nil
      {
        view.agent.fetched = true
      }
    }
    try? remoteAgents.save(view.agent)
    return view
  }

  /// The last record of `agent`, shown as unreachable for `error` (or as last seen, for none).
  func stale(_ agent: RemoteAgent, _ error: HostError?) -> RemoteAgentView {
    let record = (try? JSONParser.parse(Array(agent.lastRecord.utf8))) ?? .null
    return RemoteAgentView(agent: agent, record: record, unreachable: error)
  }

  /// The host of `agent`.
  func remoteHost(of agent: RemoteAgent) throws(HostError) -> RemoteHost {
    guard let host = try? store.host(named: agent.host) else {
      throw HostError(.unreachable, host: agent.host, "host \(agent.host) is not in the list")
    }
    return host
  }

  /// Stops `agent` on its host (its descendants there too), and returns it refreshed.
  public func stopRemote(_ agent: RemoteAgent, grace: Duration, timeout: Duration = .seconds(30))
    async throws(HostError) -> RemoteAgentView
  {
    let host = try remoteHost(of: agent)
    let seconds = String(Double(grace.components.seconds) + Double(grace.components.attoseconds) / 1e18)
    _ = try await runMultiAgent(
      ["--json", "stop", agent.remoteID, "--grace", seconds], on: host, timeout: timeout)
    return await refresh(agent)
  }

  /// Deletes `agent` on both sides: on the host (`delete`: its worktree, branch, log), the base ref
  /// pushed for it, then here its row and — unless `keepBranch` — the branch fetched back.
  public func deleteRemote(_ agent: RemoteAgent, keepBranch: Bool, timeout: Duration = .seconds(30))
    async throws -> String?
  {
    let host = try remoteHost(of: agent)
    let record = try? JSONParser.parse(Array(agent.lastRecord.utf8))
    let branch = record?["branch"]?.stringValue
    let arguments = ["--json", "delete", agent.remoteID] + (keepBranch ? ["--keep-branch"] : [])
    if let failure = await attempt({ () async throws(HostError) in
      _ = try await runMultiAgent(arguments, on: host, timeout: timeout)
    }) {
      // Already gone there: clean up the rest.
      guard failure.code == .remoteFailed, failure.message.contains("no agent") else { throw failure }
    }
    if let mirror = agent.mirror {
      _ = try await runScript(
        RemoteScripts.removeBase, [mirror, Self.baseRef(agent.name)], on: host, timeout: timeout)
    }
    if !keepBranch, agent.fetched, let repository = agent.repository, let branch {
      _ = try? await localGit(["branch", "-D", "--quiet", branch], in: repository, host: host)
    }
    try ledger.forget(agent)
    try remoteAgents.remove(named: agent.name)
    return keepBranch ? branch : nil
  }

  /// Runs `body`; returns its error instead of throwing it.
  private func attempt(_ body: () async throws(HostError) -> Void) async -> HostError? {
    do {
      try await body()
      return nil
    } catch {
      return error
    }
  }
}
