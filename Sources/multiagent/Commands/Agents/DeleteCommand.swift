import MultiAgent
import ProviderKit

/// `multiagent delete NAME`: removes an agent and everything multiagent made for it.
struct DeleteCommand: ParsableCommand {
  static let keepBranch = Flag("keep-branch", help: "Keep the agent's branch (multiagent/<name>).")

  static let configuration = CommandConfiguration(
    name: "delete",
    abstract: "Delete an agent: stop it, remove its worktree, branch, logs and record.",
    discussion: "Only what multiagent created is removed; a branch it did not create is never touched.",
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
    let manager = try context.agentManager()
    let record = try manager.agent(reference)
    try await manager.delete(record.id, keepBranch: keepsBranch)
    if context.json {
      AgentOutput.writeJSON(
        .object(
          JSONObject(
            keys: ["deleted", "id", "kept_branch", "name"],
            values: [
              .bool(true), .string(record.id),
              keepsBranch && record.createdBranch ? record.branch.map { .string($0) } ?? .null : .null,
              .string(record.name),
            ])), to: context.console)
    } else {
      var line = "deleted \(record.name)"
      if keepsBranch, record.createdBranch, let branch = record.branch { line += " (kept branch \(branch))" }
      context.console.write(line + "\n")
    }
    return .success
  }
}
