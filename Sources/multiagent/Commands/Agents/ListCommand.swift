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

  static let configuration = CommandConfiguration(
    name: "list",
    abstract: "List the agents.",
    discussion: """
      Columns: NAME PROVIDER ACCOUNT STATUS AGE TASK. Dismissed agents are hidden unless --all.
      Statuses: \(AgentStatus.allCases.map(\.rawValue).joined(separator: ", ")).
      With --json, an array of agent records (oldest first).
      """,
    options: [all, status, provider]
  )

  let includeDismissed: Bool
  let statuses: Set<AgentStatus>?
  let providerName: String?

  init(arguments: ParsedArguments) throws {
    includeDismissed = arguments.isSet(Self.all)
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
    let manager = try context.agentManager()
    let records = try manager.list(
      AgentStore.Filter(statuses: statuses, provider: providerName, includeDismissed: includeDismissed))
    if context.json {
      AgentOutput.writeJSONArray(records)
      return .success
    }
    var table = TextTable(["NAME", "PROVIDER", "ACCOUNT", "STATUS", "AGE", "TASK"])
    let now = Date()
    for record in records {
      table.append([
        record.name, record.provider, record.account ?? "-", record.status.rawValue,
        AgentOutput.age(since: record.createdAt, now: now),
        record.taskID ?? "-",
      ])
    }
    context.console.write(table.rendered())
    return .success
  }
}
