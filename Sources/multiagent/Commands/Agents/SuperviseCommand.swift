import MultiAgent

/// `multiagent __supervise [--adopt] ID`: the detached supervisor of one agent (internal, hidden).
struct SuperviseCommand: ParsableCommand {
  static let adopt = Flag("adopt", help: "Follow the CLI already running instead of starting one.")
  static let agentID = Argument(name: "id", help: "The agent's id.")

  static let configuration = CommandConfiguration(
    name: "__supervise",
    abstract: "Supervise one agent's run (started by multiagent itself).",
    options: [adopt],
    arguments: [agentID],
    isHidden: true
  )

  let adopts: Bool
  let id: String

  init(arguments: ParsedArguments) {
    adopts = arguments.isSet(Self.adopt)
    id = arguments.argument(Self.agentID) ?? ""
  }

  func run(context: CommandContext) async throws -> ExitCode {
    try Supervisor(home: context.home, agentID: id, adopt: adopts).run()
    return .success
  }
}
