import Foundation
import MultiAgent
import ProviderKit

/// `multiagent list`: the agents, as a table or a JSON array of records.
struct ListCommand: ParsableCommand {
  static let all = Flag("all", short: "a", help: "Include dismissed agents.")
  static let status = Option<String>(
    "status", valueName: "status",
    help: "Only agents in this status (repeatable, or a comma-separated list).", repeatable: true)
  static let provider = Option<String>("provider", valueName: "name", help: "Only agents of this provider.")
  static let tree = Flag("tree", help: "Order parents before their children and indent names by depth.")

  static let configuration = CommandConfiguration(
    name: "list",
    abstract: "List the agents.",
    discussion: """
      Columns: NAME PROVIDER ACCOUNT STATUS AGE TASK. Dismissed agents are hidden unless --all.
      Statuses: \(AgentStatus.allCases.map(\.rawValue).joined(separator: ", ")).
      A queued agent shows its place in the queue as "queued (#N)" (1 starts next); with --json it has
      "queue_position". With --json, an array of agent records (oldest first; with --tree, in tree order). Inside an
      agent, only the agents it spawned. `multiagent tree` draws the tree.
      """,
    options: [all, status, provider, tree]
  )

  let includeDismissed: Bool
  let statuses: Set<AgentStatus>?
  let providerName: String?
  let asTree: Bool

  init(arguments: ParsedArguments) throws {
    includeDismissed = arguments.isSet(Self.all)
    asTree = arguments.isSet(Self.tree)
    providerName = try arguments.value(Self.provider)
    let words = try arguments.values(Self.status).flatMap { $0.split(separator: ",") }.map {
      $0.trimmingCharacters(in: .whitespaces)
    }.filter { !$0.isEmpty }
    var statuses: Set<AgentStatus> = []
    for word in words {
      guard let status = AgentStatus(rawValue: word) else {
        throw CLIError.usage(
          "invalid_value", "invalid status \"\(word)\"",
          hint: "valid statuses: \(AgentStatus.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      statuses.insert(status)
    }
    self.statuses = words.isEmpty ? nil : statuses
  }

  func run(context: CommandContext) async throws -> ExitCode {
    let manager = try context.agentManager(catalogOptional: true)
    let filter = AgentStore.Filter(
      statuses: statuses, provider: providerName, includeDismissed: includeDismissed)
    // A provider no longer defined still names the agents it ran; a name that is neither is a typo.
    if let providerName, (try? manager.registry.provider(named: providerName)) == nil,
      try manager.store.count(AgentStore.Filter(provider: providerName, includeDismissed: true)) == 0
    {
      throw CLIError.unknownProvider(providerName, choices: manager.registry.names)
    }
    // Agents on hosts (`spawn --host`), asked of their hosts now; none in a home without hosts.
    let remote = asTree ? [] : await RemoteAgentOutput.views(context, filter: filter)
    if context.json, !asTree, remote.isEmpty, try manager.queuePositions().isEmpty {
      // Nothing queued, so no record needs a queue position: the JSON comes straight from the rows.
      // Written in pieces as they are made, so a reader through a pipe takes them meanwhile.
      try manager.writeListJSON(filter) { AgentOutput.writeBytes($0) }
      AgentOutput.writeBytes([UInt8(ascii: "\n")])
      return .success
    }
    var records = try manager.list(filter)
    var depths: [String: Int] = [:]
    if asTree {
      // The tree of every agent shown (a filtered-out parent makes its children roots).
      let shown = Set(records.map(\.id))
      let ordered = try manager.tree(includeDismissed: includeDismissed).flatMap(\.flattened)
      var depth: [String: Int] = [:]
      var result: [AgentRecord] = []
      for (_, record) in ordered where shown.contains(record.id) {
        // Indented under its parent only when the parent is shown too.
        depth[record.id] = record.parentID.flatMap { depth[$0] }.map { $0 + 1 } ?? 0
        result.append(record)
      }
      records = result
      depths = depth
    }
    let positions = records.contains { $0.status == .queued } ? try manager.queuePositions() : [:]
    if context.json, !remote.isEmpty {
      RemoteAgentOutput.writeList(records, positions: positions, remote: remote, context: context)
      return .success
    }
    if context.json {
      // Queued agents carry their place in the queue (1 = next to start).
      AgentOutput.writeJSONArray(records, positions: positions)
      return .success
    }
    var table = TextTable(["NAME", "PROVIDER", "ACCOUNT", "STATUS", "AGE", "TASK"])
    let now = Date()
    let style = TextStyle(environment: context.environment)
    for record in records {
      table.append([
        String(repeating: "  ", count: depths[record.id] ?? 0) + record.name, record.provider,
        record.account ?? "-",
        style.status(record.status, label: positions[record.id].map { "queued (#\($0))" }),
        AgentOutput.age(since: record.createdAt, now: now),
        record.taskID ?? "-",
      ])
    }
    for view in remote { table.append(RemoteAgentOutput.row(view, now: now, style: style)) }
    context.console.write(table.rendered())
    return .success
  }
}
