import Foundation
import JSONKit
import MultiAgent
import ProviderKit

/// `multiagent show NAME`: everything multiagent knows about one agent.
struct ShowCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    name: "show",
    abstract: "Show one agent: status, session, worktree, result or questions.",
    discussion: "With --json, the agent's record. Inside an agent: one of its children, or itself.",
    arguments: [AgentOutput.agentArgument]
  )

  let reference: String

  init(arguments: ParsedArguments) {
    reference = arguments.argument(AgentOutput.agentArgument) ?? ""
  }

  func run(context: CommandContext) async throws -> ExitCode {
    if let (hosts, agent) = RemoteAgentOutput.lookup(reference, context) {
      await RemoteAgentOutput.show(agent, hosts: hosts, context: context)
      return .success
    }
    let manager = try context.agentManager(catalogOptional: true)
    let record = try manager.agent(reference, allowSelf: true)
    if context.json {
      // The record, and the runs of its CLI: which provider and account served each.
      guard case .object(var object) = record.jsonValue else { return .success }
      let events = (try? manager.store.events(agentID: record.id)) ?? []
      object["runs"] = .array(Self.runs(of: record, events: events))
      AgentOutput.writeJSON(.object(object), to: context.console)
    } else {
      context.console.write(Self.text(of: record, paths: manager.paths(record), machine: manager.machine))
      // Account changes (usage limits, switches) matter when reading an agent's story.
      let accountEvents = ((try? manager.store.events(agentID: record.id)) ?? []).filter {
        $0.type.rawValue.hasPrefix("account_")
      }
      if !accountEvents.isEmpty {
        context.console.write("accounts:\n")
        for event in accountEvents {
          context.console.write(
            "  \(AgentOutput.timestamp(event.time))  \(event.type.rawValue)  \(event.message ?? "")\n")
        }
      }
      let switches = ((try? manager.store.events(agentID: record.id)) ?? []).filter {
        $0.type == .providerSwitched
      }
      if !switches.isEmpty {
        context.console.write("providers:\n")
        for event in switches {
          context.console.write("  \(AgentOutput.timestamp(event.time))  \(event.message ?? "")\n")
        }
      }
    }
    return .success
  }

  /// The runs of the agent's CLI, from their `account_selected` events: provider, account, kind,
  /// session (filled in from a later provider switch, or the record, when the run learned it only
  /// from the CLI's output) and start time.
  static func runs(of record: AgentRecord, events: [StoredEvent]) -> [JSONValue] {
    events.enumerated().compactMap { index, event in
      guard event.type == .accountSelected else { return nil }
      var run = event.data?.objectValue ?? JSONObject(keys: [], values: [])
      run["started_at"] = .time(event.time.timeIntervalSince1970)
      if run["session_id"]?.stringValue == nil {
        let provider = run["provider"]?.stringValue
        let switched = events[(index + 1)...].first { $0.type == .providerSwitched }
        let session =
          switched.map {
            $0.data?["from"]?.stringValue == provider ? $0.data?["from_session_id"]?.stringValue : nil
          }
          ?? (provider == record.provider ? record.sessionID : nil)
        run["session_id"] = session.map { .string($0) } ?? .null
      }
      return .object(run)
    }
  }

  /// The record as `key: value` lines (empty values left out); `machine` is this one, the record's
  /// shown only when it is another.
  static func text(of record: AgentRecord, paths: AgentPaths, machine: String) -> String {
    var rows: [(String, String)] = [
      ("name", record.name), ("id", record.id), ("provider", record.provider),
      ("status", record.status.rawValue),
    ]
    func add(_ key: String, _ value: String?) {
      if let value, !value.isEmpty { rows.append((key, value)) }
    }
    if record.isSupervised(elsewhereThan: machine) {
      add(
        "machine", record.machine.map { "\($0) (another machine: its processes, log and worktree are there)" }
      )
    }
    add("account", record.account)
    add("fallback", record.fallback.joined(separator: ", "))
    add("model", record.model)
    add("task", record.taskID)
    add("parent", record.parentID.map { $0 + (record.detachedFromParent ? " (detached)" : "") })
    add("session", record.sessionID)
    add("worktree", record.worktreePath)
    add(
      "branch",
      record.branch.map { branch in branch + (record.baseRef.map { " (from \($0.prefix(12)))" } ?? "") })
    add("cwd", record.cwd)
    add("log", paths.outputLog)
    add(
      "created",
      AgentOutput.timestamp(record.createdAt) + " (\(AgentOutput.age(since: record.createdAt)) ago)")
    add("started", record.startedAt.map(AgentOutput.timestamp))
    add("finished", record.finishedAt.map(AgentOutput.timestamp))
    add("dismissed", record.dismissedAt.map(AgentOutput.timestamp))
    add("pid", record.cli.map { String($0.pid) })
    add("exit", record.exitCode.map { "code \($0)" } ?? record.exitSignal.map { "signal \($0)" })
    if !record.extraArguments.isEmpty { add("arguments", record.extraArguments.joined(separator: " ")) }
    add("prompt", record.promptSummary)
    add("result", record.result)
    add("error", record.error)
    let width = (rows.map(\.0.count).max() ?? 0) + 2
    var text = rows.map { ($0.0 + ":").padding(to: width) + $0.1 }.joined(separator: "\n") + "\n"
    if !record.pendingQuestions.isEmpty {
      text +=
        "questions:\n"
        + AgentOutput.text(of: record.pendingQuestions).split(separator: "\n").map {
          "  " + $0
        }.joined(separator: "\n") + "\n"
    }
    return text
  }
}
