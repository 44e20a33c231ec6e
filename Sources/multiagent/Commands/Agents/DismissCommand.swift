import MultiAgent
import ProviderKit

/// `multiagent dismiss NAME`: hides a finished agent from `list`.
struct DismissCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    name: "dismiss",
    abstract: "Hide a finished agent from `list` (it stays in `list --all`).",
    discussion: "Its worktree, logs and record are kept. With --json, the record.",
    arguments: [AgentOutput.agentArgument]
  )

  let reference: String

  init(arguments: ParsedArguments) {
    reference = arguments.argument(AgentOutput.agentArgument) ?? ""
  }

  func run(context: CommandContext) async throws -> ExitCode {
    let manager = try context.agentManager(catalogOptional: true)
    let record = try manager.dismiss(reference)
    if context.json {
      AgentOutput.writeJSON(record.jsonValue, to: context.console)
    } else {
      context.console.write("dismissed \(record.name)\n")
    }
    return .success
  }
}
