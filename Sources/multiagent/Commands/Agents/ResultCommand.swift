import JSONKit
import MultiAgent
import ProviderKit

/// `multiagent result NAME`: the agent's final result.
struct ResultCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    name: "result",
    abstract: "Print an agent's result (exit 1 when it has none).",
    discussion: "With --json: {\"name\":…,\"status\":…,\"result\":…}.",
    arguments: [AgentOutput.agentArgument]
  )

  let reference: String

  init(arguments: ParsedArguments) {
    reference = arguments.argument(AgentOutput.agentArgument) ?? ""
  }

  func run(context: CommandContext) async throws -> ExitCode {
    let manager = try context.agentManager(catalogOptional: true)
    let record = try manager.agent(reference)
    guard record.status == .completed, let result = record.result else {
      var message = "\(record.name) has no result: it is \(record.status.rawValue)"
      if let error = record.error, record.status.isTerminal { message += " (\(error))" }
      let hint =
        record.status == .waitingForInput
        ? "it is waiting for answers; see `multiagent questions \(record.name)`"
        : record.status.isTerminal ? nil : "wait for it with `multiagent wait \(record.name)`"
      throw CLIError.failure("no_result", message, hint: hint)
    }
    if context.json {
      AgentOutput.writeJSON(
        .object(
          JSONObject(
            keys: ["name", "result", "status"],
            values: [.string(record.name), .string(result), .string(record.status.rawValue)])),
        to: context.console)
    } else {
      context.console.write(result.hasSuffix("\n") ? result : result + "\n")
    }
    return .success
  }
}
