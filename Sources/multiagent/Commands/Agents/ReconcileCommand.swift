import JSONKit
import MultiAgent
import ProviderKit

/// `multiagent reconcile`: repairs agents whose supervisor died.
struct ReconcileCommand: ParsableCommand {
  static let takeOver = Option<String>(
    "take-over", valueName: "machine",
    help: "First make the agents of this machine (gone for good) this machine's, so that they are "
      + "settled here.")

  static let configuration = CommandConfiguration(
    name: "reconcile",
    abstract: "Repair agents after a crash: adopt running CLIs, settle finished ones.",
    discussion: """
      Every agent command does this first; this command prints what it repaired. A supervisor that
      died while its CLI runs is replaced (adopted); an agent whose CLI is gone too is settled from its
      log and signal file; an agent whose worktree vanished is crashed.
      Agents supervised on another machine sharing the store are left to it; --take-over MACHINE
      makes those of a machine that is gone for good (a container recreated under another host
      name, a retired server) this machine's first. Never for a machine that still runs: its live
      agents would be judged dead here.
      With --json: {"adopted":[…],"settled":[…],"worktree_gone":[…]}, and "taken_over": N with
      --take-over.
      """,
    options: [takeOver]
  )

  let takeOverMachine: String?

  init(arguments: ParsedArguments) throws {
    takeOverMachine = try arguments.value(Self.takeOver)
  }

  func run(context: CommandContext) async throws -> ExitCode {
    let manager = try context.agentManager(reconciling: false)
    try manager.authority.requireUser("reconcile")
    var takenOver: Int?
    let report: AgentManager.ReconcileReport
    if let takeOverMachine {
      let outcome = try manager.takeOver(machine: takeOverMachine)
      (takenOver, report) = (outcome.count, outcome.report)
    } else {
      report = manager.reconcile()
    }
    if context.json {
      var keys = ["adopted", "settled", "worktree_gone"]
      var values: [JSONValue] = [report.adopted, report.settled, report.worktreeGone].map {
        .array($0.map { .string($0) })
      }
      if let takenOver {
        keys.append("taken_over")
        values.append(.number(Double(takenOver)))
      }
      AgentOutput.writeJSON(.object(JSONObject(keys: keys, values: values)), to: context.console)
      return .success
    }
    var lines: [String] = []
    if let takenOver, let takeOverMachine {
      lines.append("took over \(takenOver) agent\(takenOver == 1 ? "" : "s") of machine \(takeOverMachine)")
    }
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
