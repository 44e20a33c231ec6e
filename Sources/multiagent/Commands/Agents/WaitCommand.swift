import MultiAgent
import ProviderKit

/// `multiagent wait NAME`: waits until the agent finishes or needs input.
struct WaitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    name: "wait",
    abstract: "Wait until an agent finishes or asks questions; print its status.",
    discussion: """
      Exit codes: 0 completed, 3 waiting_for_input, 1 failed, stopped or crashed, 124 timed out (the
      agent keeps running). With --json, the record.
      """,
    options: [AgentOutput.timeout],
    arguments: [AgentOutput.agentArgument]
  )

  let reference: String
  let timeout: Duration?

  init(arguments: ParsedArguments) throws {
    reference = arguments.argument(AgentOutput.agentArgument) ?? ""
    timeout = try arguments.value(AgentOutput.timeout)?.secondsDuration
  }

  func run(context: CommandContext) async throws -> ExitCode {
    let manager = try context.agentManager()
    let record = try await manager.wait(reference, timeout: timeout)
    return AgentOutput.reportSettled(record, context: context)
  }
}
