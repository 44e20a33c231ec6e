import JSONKit
import MultiAgent
import ProviderKit

/// `multiagent cleanup`: removes what deleted or lost agents left behind.
struct CleanupCommand: ParsableCommand {
  static let dryRun = Flag("dry-run", short: "n", help: "Only show what would be removed.")

  static let configuration = CommandConfiguration(
    name: "cleanup",
    abstract: "Remove orphaned worktrees, state directories and processes of agents that are gone.",
    discussion: """
      Orphans are: directories under <home>/worktrees that no agent owns, state directories
      <home>/agents/<id> with no agent, and processes whose environment has the MULTIAGENT_AGENT_ID of
      an agent of this home that no longer exists (SIGTERM, then SIGKILL). Branches are kept.
      With --json: {"dry_run":…,"worktrees":[…],"state_dirs":[…],"processes":[{"pid","agent_id"}],
      "failures":[…]}. Exits 1 when something could not be removed.
      """,
    options: [dryRun]
  )

  let isDryRun: Bool

  init(arguments: ParsedArguments) {
    isDryRun = arguments.isSet(Self.dryRun)
  }

  func run(context: CommandContext) async throws -> ExitCode {
    let manager = try context.agentManager(catalogOptional: true)
    try manager.authority.requireUser("cleanup")
    let report = await manager.cleanup(dryRun: isDryRun)
    if context.json {
      let processes: [JSONValue] = report.processes.map {
        .object(
          JSONObject(keys: ["agent_id", "pid"], values: [.string($0.agentID), .number(Double($0.pid))]))
      }
      AgentOutput.writeJSON(
        .object(
          JSONObject(
            keys: ["dry_run", "failures", "processes", "state_dirs", "worktrees"],
            values: [
              .bool(isDryRun), .array(report.failures.map { .string($0) }), .array(processes),
              .array(report.stateDirectories.map { .string($0) }),
              .array(report.worktrees.map { .string($0) }),
            ])), to: context.console)
    } else {
      let verb = isDryRun ? "would remove" : "removed"
      var lines: [String] = []
      lines += report.processes.map {
        "\(isDryRun ? "would stop" : "stopped") process \($0.pid) (agent \($0.agentID) no longer exists)"
      }
      lines += report.worktrees.map { "\(verb) worktree \($0)" }
      lines += report.stateDirectories.map { "\(verb) state directory \($0)" }
      if lines.isEmpty && report.failures.isEmpty { lines.append("nothing to clean up") }
      if !lines.isEmpty { context.console.write(lines.joined(separator: "\n") + "\n") }
    }
    for failure in report.failures { context.console.writeError("error: \(failure)\n") }
    return report.failures.isEmpty ? .success : .failure
  }
}
