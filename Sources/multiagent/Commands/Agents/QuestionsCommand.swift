import MultiAgent
import ProviderKit

/// `multiagent questions NAME`: the questions an agent waits on.
struct QuestionsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    name: "questions",
    abstract: "Show the questions an agent is waiting on.",
    discussion: """
      Answer them with `multiagent answer NAME --answer q1=TEXT …`. With --json, an array of
      {"id","question","options"} objects (empty when there are none).
      """,
    arguments: [AgentOutput.agentArgument]
  )

  let reference: String

  init(arguments: ParsedArguments) {
    reference = arguments.argument(AgentOutput.agentArgument) ?? ""
  }

  func run(context: CommandContext) async throws -> ExitCode {
    if let (hosts, agent) = RemoteAgentOutput.lookup(reference, context) {
      return try await RemoteAgentOutput.questions(agent, hosts: hosts, context: context)
    }
    let manager = try context.agentManager(catalogOptional: true)
    let record = try manager.agent(reference)
    let questions = record.status == .waitingForInput ? record.pendingQuestions : []
    if context.json {
      AgentOutput.writeJSON(.array(questions.map(AgentOutput.json)), to: context.console)
    } else if questions.isEmpty {
      let reason =
        record.status == .waitingForInput
        ? "it is waiting for input without specific questions; answer with free text"
        : "it is \(record.status.rawValue)"
      context.console.write("\(record.name) has no pending questions (\(reason))\n")
    } else {
      context.console.write(AgentOutput.text(of: questions))
    }
    return .success
  }
}
