import MultiAgent
import ProviderKit

/// `multiagent logs NAME`: the agent's output, as events parsed from its log, or the raw bytes.
struct LogsCommand: ParsableCommand {
  static let follow = Flag(
    "follow", short: "f", help: "Keep printing while the agent is starting or running.")
  static let raw = Flag("raw", help: "Print the raw log bytes instead of parsed events.")

  static let configuration = CommandConfiguration(
    name: "logs",
    abstract: "Show an agent's output: parsed events, or the raw log with --raw.",
    discussion: """
      The log <home>/agents/<id>/output.log is re-parsed from its start with the provider's parser:
      one line per event, or with --json one JSON event per line (NDJSON). --follow keeps going until
      the agent is no longer starting or running, and shows its descendants' events as they appear
      (spawned while following too), each line prefixed [child-name] (with --json, an "agent" key),
      until none of them is queued, starting or running either.
      An agent on a host (spawn --host) is followed by byte offset, with no gap or repeat across
      cuts: with --raw, its host's log as ingested into <home>/remote/<host>/<id>/output.log — byte
      for byte the host's; without, the events its host parses from the first line not yet shown.
      """,
    options: [follow, raw],
    arguments: [AgentOutput.agentArgument]
  )

  let reference: String
  let follows: Bool
  let raw: Bool

  init(arguments: ParsedArguments) {
    reference = arguments.argument(AgentOutput.agentArgument) ?? ""
    follows = arguments.isSet(Self.follow)
    raw = arguments.isSet(Self.raw)
  }

  func run(context: CommandContext) async throws -> ExitCode {
    if let (hosts, agent) = RemoteAgentOutput.lookup(reference, context) {
      return try await RemoteLogs.run(
        agent, hosts: hosts, raw: raw, follow: follows, context: context)
    }
    let manager = try context.agentManager(catalogOptional: true)
    let record = try manager.agent(reference)
    try manager.requireLogHere(record)
    _ = try await AgentOutput.followLog(
      of: record, manager: manager, raw: raw, context: context, follow: follows, children: true)
    return .success
  }
}
