import JSONKit
import MultiAgent
import ProviderKit

/// `multiagent delete NAME`: removes an agent and everything multiagent made for it.
struct DeleteCommand: ParsableCommand {
  static let keepBranch = Flag("keep-branch", help: "Keep the agent's branch (multiagent/<name>).")

  static let configuration = CommandConfiguration(
    name: "delete",
    abstract: "Delete an agent and its descendants: stop them, remove worktrees, branches, logs and records.",
    discussion: """
      Every agent it spawned, and theirs, is deleted first. Only what multiagent created is removed; a
      branch it did not create is never touched. With --json: {"deleted","descendants":[names],"id",
      "kept_branch","name"}.
      """,
    options: [keepBranch],
    arguments: [AgentOutput.agentArgument]
  )

  let reference: String
  let keepsBranch: Bool

  init(arguments: ParsedArguments) {
    reference = arguments.argument(AgentOutput.agentArgument) ?? ""
    keepsBranch = arguments.isSet(Self.keepBranch)
  }

  func run(context: CommandContext) async throws -> ExitCode {
    if let (hosts, agent) = RemoteAgentOutput.lookup(reference, context) {
      return try await RemoteAgentOutput.delete(
        agent, hosts: hosts, keepBranch: keepsBranch, context: context)
    }
    let manager = try context.agentManager(catalogOptional: true)
    let record = try manager.agent(reference)
    let descendants = try await manager.deleteTree(record.id, keepBranch: keepsBranch).filter {
      $0.id != record.id
    }
    if context.json {
      AgentOutput.writeJSON(
        .object(
          JSONObject(
            keys: ["deleted", "descendants", "id", "kept_branch", "name"],
            values: [
              .bool(true), .array(descendants.map { .string($0.name) }), .string(record.id),
              keepsBranch && record.createdBranch ? record.branch.map { .string($0) } ?? .null : .null,
              .string(record.name),
            ])), to: context.console)
    } else {
      var line = "deleted \(record.name)"
      if keepsBranch, record.createdBranch, let branch = record.branch { line += " (kept branch \(branch))" }
      if !descendants.isEmpty {
        line +=
          " and \(descendants.count) descendant\(descendants.count == 1 ? "" : "s"): "
          + descendants.map(\.name).joined(separator: ", ")
      }
      context.console.write(line + "\n")
    }
    return .success
  }
}
