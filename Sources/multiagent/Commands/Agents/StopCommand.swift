import MultiAgent
import ProviderKit

/// `multiagent stop NAME`: stops a running agent; its worktree is kept.
struct StopCommand: ParsableCommand {
  static let grace = Option<Double>.seconds(
    "grace", help: "Seconds the CLI gets to exit after SIGTERM before SIGKILL (default: 5).")

  static let configuration = CommandConfiguration(
    name: "stop",
    abstract:
      "Stop an agent and its descendants (SIGTERM to their process groups, SIGKILL after a grace period).",
    discussion: """
      Every agent it spawned, and theirs (--detach-from-parent ones too), is stopped with it. Worktrees
      and branches are kept; `multiagent delete` removes them. With --json, the agent's record.
      """,
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
    if let (hosts, agent) = RemoteAgentOutput.lookup(reference, context) {
      return try await RemoteAgentOutput.stop(agent, hosts: hosts, grace: graceDuration, context: context)
    }
    let manager = try context.agentManager(catalogOptional: true)
    let stopped = try await manager.stopTree(reference, grace: graceDuration)
    let record = stopped.agent
    if context.json {
      AgentOutput.writeJSON(record.jsonValue, to: context.console)
    } else {
      var line = "stopped \(record.name)"
      if !stopped.descendants.isEmpty {
        line +=
          " and \(stopped.descendants.count) descendant\(stopped.descendants.count == 1 ? "" : "s"): "
          + stopped.descendants.map(\.name).joined(separator: ", ")
      }
      context.console.write(line + "\n")
    }
    return .success
  }
}
