import MultiAgent
import ProviderKit

/// `multiagent stop NAME`: stops a running agent; its worktree is kept.
struct StopCommand: ParsableCommand {
  static let grace = Option<Double>.seconds(
    "grace", help: "Seconds the CLI gets to exit after SIGTERM before SIGKILL (default: 5).")

  static let configuration = CommandConfiguration(
    name: "stop",
    abstract: "Stop an agent (SIGTERM to its process group, SIGKILL after a grace period).",
    discussion:
      "The worktree and branch are kept; `multiagent delete` removes them. With --json, the record.",
    options: [grace],
    arguments: [AgentOutput.agentArgument]
  )

  let reference: String
  let graceDuration: Duration

  init(arguments: ParsedArguments) throws {
    reference = arguments.argument(AgentOutput.agentArgument) ?? ""
    graceDuration = try arguments.value(Self.grace)?.secondsDuration ?? .seconds(5)
  }

  func run(context: CommandContext) async throws -> ExitCode {
    let manager = try context.agentManager()
    let record = try await manager.stop(reference, grace: graceDuration)
    if context.json {
      AgentOutput.writeJSON(record.jsonValue, to: context.console)
    } else {
      context.console.write("stopped \(record.name)\n")
    }
    return .success
  }
}
