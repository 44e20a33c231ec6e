import JSONKit
import MultiAgent
import ProviderKit

/// `multiagent reconcile`: repairs agents whose supervisor died.
struct ReconcileCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    name: "reconcile",
    abstract: "Repair agents after a crash: adopt running CLIs, settle finished ones.",
    discussion: """
      Every agent command does this first; this command prints what it repaired. A supervisor that
      died while its CLI runs is replaced (adopted); an agent whose CLI is gone too is settled from its
      log and signal file; an agent whose worktree vanished is crashed.
      With --json: {"adopted":[…],"settled":[…],"worktree_gone":[…]}.
      """
  )

  init(arguments: ParsedArguments) {}

  func run(context: CommandContext) async throws -> ExitCode {
    let manager = try context.agentManager(reconciling: false)
    try manager.authority.requireUser("reconcile")
    let report = manager.reconcile()
    if context.json {
      AgentOutput.writeJSON(
        .object(
          JSONObject(
            keys: ["adopted", "settled", "worktree_gone"],
            values: [report.adopted, report.settled, report.worktreeGone].map {
              .array($0.map { .string($0) })
            })),
        to: context.console)
      return .success
    }
    var lines: [String] = []
    lines += report.adopted.map { "adopted \($0): its CLI still runs; a new supervisor follows it" }
    lines += report.settled.map { name in
      let status = (try? manager.agent(name).status.rawValue) ?? "settled"
      return "settled \(name): \(status)"
    }
    lines += report.worktreeGone.map { "crashed \($0): its worktree vanished" }
    context.console.write(lines.isEmpty ? "nothing to repair\n" : lines.joined(separator: "\n") + "\n")
    return .success
  }
}
