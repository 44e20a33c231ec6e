import Foundation
import JSONKit
import MultiAgent
import ProviderKit

/// `wait --any|--all` over agents of which some run on hosts: local ones read from the store, remote
/// ones asked of their hosts (one call per host a round), every half second on the controller's
/// clock. A remote agent whose host does not answer is unreachable — never settled — until it does.
struct MixedWait {
  /// One agent waited on.
  enum Member {
    case local(id: String)
    case remote(RemoteAgent)
  }

  /// One agent as last seen.
  struct Seen {
    var name: String
    var status: AgentStatus?
    /// `running`, `unreachable`, …
    var shownStatus: String
    var settled: Bool
    var error: String?
    var createdAt: Date
    var json: JSONValue
  }

  let manager: AgentManager
  let hosts: Hosts
  let members: [Member]

  /// The wait for `references`, or nil when none of them is a remote agent (the local wait applies).
  ///
  /// - Throws: ``AgentError`` (`not_found`) for a reference that is neither here nor on a host.
  static func make(_ references: [String], manager: AgentManager, context: CommandContext) throws
    -> MixedWait?
  {
    guard let hosts = RemoteAgentOutput.hosts(context) else { return nil }
    var members: [Member] = []
    for reference in references {
      if (try? manager.agent(reference)) == nil, let remote = try? hosts.remoteAgent(reference) {
        members.append(.remote(remote))
      } else {
        members.append(.local(id: try manager.agent(reference).id))
      }
    }
    guard members.contains(where: { if case .remote = $0 { true } else { false } }) else { return nil }
    return MixedWait(manager: manager, hosts: hosts, members: members)
  }

  /// Waits as `mode` says, then reports as `wait --any|--all` does for local agents.
  func run(mode: AgentManager.WaitMode, timeout: Duration?, context: CommandContext) async throws -> ExitCode
  {
    let deadline = timeout.map { ContinuousClock.now + $0 }
    while true {
      let seen = try await poll()
      switch mode {
      case .any:
        if let first = seen.first(where: \.settled) {
          write([first], context: context, array: false)
          return first.status.map(AgentOutput.exitCode(for:)) ?? .failure
        }
      case .all:
        if seen.allSatisfy(\.settled) {
          write(seen, context: context, array: true)
          return WaitCommand.exitCode(forAll: seen.compactMap(\.status))
        }
      }
      if let deadline, ContinuousClock.now >= deadline {
        return reportTimeout(seen.filter { !$0.settled }, mode: mode, timeout: timeout!, context: context)
      }
      try await Task.sleep(for: .milliseconds(500))
    }
  }

  /// Every member as it is now.
  ///
  /// - Throws: `not_found` when a remote agent is gone from its host, or a local one was deleted.
  func poll() async throws -> [Seen] {
    let names = Set(members.compactMap { if case .remote(let agent) = $0 { agent.name } else { nil } })
    let views = await hosts.refreshAll().filter { names.contains($0.agent.name) }
    let byName = Dictionary(views.map { ($0.agent.name, $0) }) { first, _ in first }
    return try members.map { member throws -> Seen in
      switch member {
      case .local(let id):
        let record = try manager.agent(id)
        return Seen(
          name: record.name, status: record.status, shownStatus: record.status.rawValue,
          settled: record.status.isTerminal || record.status == .waitingForInput, error: record.error,
          createdAt: record.createdAt, json: record.jsonValue)
      case .remote(let agent):
        guard let view = byName[agent.name], !view.vanished else {
          throw CLIError.failure(
            "not_found",
            "\(agent.name) is gone from host \(agent.host): the host has no record of it any more",
            hint: "`multiagent delete \(agent.name)` removes it here")
        }
        return Seen(
          name: agent.name, status: view.status, shownStatus: view.displayStatus,
          settled: view.unreachable == nil && view.isSettled, error: view.record["error"]?.stringValue,
          createdAt: agent.createdAt, json: view.jsonValue)
      }
    }
  }

  /// `NAME STATUS` lines (and errors, questions on stderr), or the records as JSON.
  private func write(_ seen: [Seen], context: CommandContext, array: Bool) {
    if context.json {
      AgentOutput.writeJSON(array ? .array(seen.map(\.json)) : seen[0].json, to: context.console)
      return
    }
    for agent in seen {
      context.console.write("\(agent.name) \(agent.shownStatus)\n")
      if agent.status != .completed, let error = agent.error {
        context.console.writeError("\(agent.name): \(error)\n")
      }
      if agent.status == .waitingForInput {
        context.console.writeError("see `multiagent questions \(agent.name)`\n")
      }
    }
  }

  /// The agents not yet settled, with their age (JSON: records with `timed_out` and `age_seconds`).
  private func reportTimeout(
    _ pending: [Seen], mode: AgentManager.WaitMode, timeout: Duration, context: CommandContext
  )
    -> ExitCode
  {
    let now = Date()
    let names = pending.map(\.name).joined(separator: ", ")
    let message =
      switch mode {
      case .any: "none of \(names) finished or asked questions after \(timeout)"
      case .all: "\(names) still not finished after \(timeout)"
      }
    context.console.writeError("error: \(message); they were left as they are\n")
    if context.json {
      let values: [JSONValue] = pending.map { agent in
        guard case .object(var object) = agent.json else { return agent.json }
        object["timed_out"] = .bool(true)
        object["age_seconds"] = .number(max(0, now.timeIntervalSince(agent.createdAt)).rounded(.down))
        let members = zip(object.keys, object.values).sorted { $0.0 < $1.0 }
        return .object(JSONObject(keys: members.map(\.0), values: members.map(\.1)))
      }
      AgentOutput.writeJSON(.array(values), to: context.console)
    } else {
      for agent in pending {
        context.console.write(
          "\(agent.name) \(agent.shownStatus) (age \(AgentOutput.age(since: agent.createdAt, now: now)))\n")
      }
    }
    return .timedOut
  }
}
