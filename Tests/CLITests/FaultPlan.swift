import Foundation
import TestSupport

extension SeededGenerator {
  /// The seed to use: `$MULTIAGENT_FAULT_SEED` when set, else a fresh random one.
  static func seedFromEnvironment() -> UInt64 {
    if let text = ProcessInfo.processInfo.environment["MULTIAGENT_FAULT_SEED"], let seed = UInt64(text) {
      return seed
    }
    return UInt64.random(in: 1..<1_000_000_000)
  }
}

/// What the fault suite does to one agent, and so what its final state must be.
enum FaultRole: String, CaseIterable {
  /// Left alone: completed, every line once.
  case plain
  /// Its supervisor is killed (once or twice) mid-run: adopted, completed, every line once.
  case supervisorKill
  /// Its CLI is killed: crashed (killed by signal 9).
  case cliKill
  /// Its worktree is removed under it: crashed ("worktree … vanished").
  case worktreeDelete
  /// Asks a question, answered mid-flight: completed with the answer.
  case ask
  /// Asks a question; the `answer` is killed mid-flight, then given again if the agent still waits.
  case askAnswerKilled
  /// Stopped while it runs: stopped.
  case stop
  /// `stop` is killed mid-flight, then given again: stopped.
  case stopKilled
  /// Deleted while it runs: no record, branch, worktree or state left.
  case delete
  /// `delete` is killed mid-flight, then given again until it is gone.
  case deleteKilled
  /// `spawn` is killed mid-flight: no record (and nothing of it left), or crashed or completed.
  case spawnKilled
  /// Spawned during the faults with its supervisor pausing between starting the CLI and recording
  /// it (a failpoint), and killed there: the CLI is adopted, not started twice; completed, every
  /// line once.
  case startKill
  /// The real Claude Code CLI against the fake model server: completed.
  case realClaude
  /// The real Codex CLI against the fake model server: completed.
  case realCodex

  /// How many agents of each fake role the suite runs (28 in all).
  static let fakeCounts: [(FaultRole, Int)] = [
    (.plain, 4), (.supervisorKill, 4), (.cliKill, 2), (.worktreeDelete, 2), (.ask, 2),
    (.askAnswerKilled, 2), (.stop, 2), (.stopKilled, 1), (.delete, 2), (.deleteKilled, 2),
    (.spawnKilled, 3), (.startKill, 2),
  ]

  /// Whether its run must hold at the gate so that it is surely running when the fault comes.
  var isGated: Bool {
    switch self {
    case .cliKill, .worktreeDelete, .stop, .stopKilled, .delete, .deleteKilled: true
    default: false
    }
  }

  /// Whether it ends deleted (no record).
  var endsDeleted: Bool { self == .delete || self == .deleteKilled }

  /// Whether it is one of the real CLIs.
  var isReal: Bool { self == .realClaude || self == .realCodex }
}

/// One agent of the suite.
struct PlannedAgent {
  var name: String
  var role: FaultRole
  /// How many numbered lines its fake CLI streams (0 for the real CLIs).
  var lines: Int
  /// Whether the fake CLI waits at the gate after streaming.
  var gated: Bool
  /// How many times its supervisor is killed (supervisorKill, and some real-CLI agents).
  var supervisorKills: Int
  /// Whether it is spawned during the faults rather than with the others at the start.
  var late: Bool

  /// The prompt: markers on the first line (the fake echoes it).
  var prompt: String {
    if role.isReal { return "Finish at once." }
    var markers = ["@stream:\(lines)"]
    if gated { markers.append("@gate") }
    if role == .ask || role == .askAnswerKilled { markers.append("@ask") }
    return markers.joined(separator: " ") + " fault agent \(name)"
  }

  var provider: String {
    switch role {
    case .realClaude: "claude"
    case .realCodex: "codex"
    default: "fake"
    }
  }
}

/// Every agent of one run, chosen from the seed.
struct FaultPlan {
  var seed: UInt64
  var agents: [PlannedAgent]

  init(seed: UInt64, realCLIs: [FaultRole]) {
    self.seed = seed
    var random = SeededGenerator(seed: seed)
    var roles = FaultRole.fakeCounts.flatMap { role, count in Array(repeating: role, count: count) }
    roles += realCLIs
    roles.shuffle(using: &random)
    agents = roles.enumerated().map { index, role in
      // One supervisor-kill agent at least holds at the gate, so that a kill surely finds it running.
      let firstOfRole = roles.firstIndex(of: role) == index
      let gated = role.isGated || (role == .supervisorKill && (firstOfRole || Bool.random(using: &random)))
      let kills: Int
      switch role {
      case .supervisorKill: kills = Int.random(in: 1...3, using: &random)
      case .startKill: kills = 1
      case .realClaude, .realCodex, .stop, .stopKilled, .delete, .deleteKilled, .worktreeDelete, .ask,
        .askAnswerKilled:
        // Their own fault may then find the agent followed by a replacement supervisor.
        kills = Int.random(in: 0...1, using: &random)
      default: kills = 0
      }
      return PlannedAgent(
        name: "f\(index)-\(role.rawValue.lowercased())", role: role,
        lines: role.isReal ? 0 : Int.random(in: 40...100, using: &random), gated: gated,
        supervisorKills: kills,
        late: role == .startKill || ((role == .plain || role == .spawnKilled) && Bool.random(using: &random)))
    }
  }

  func agent(named name: String) -> PlannedAgent? { agents.first { $0.name == name } }
}

/// One fault, due `at` seconds into the fault phase, performed once its target is in the state it
/// needs (a kill needs a running CLI, an answer a waiting agent).
struct FaultAction {
  enum Kind {
    case killSupervisor
    case killCLI
    case deleteWorktree
    /// A command (`answer`, `stop`, `delete`, `wait`), killed `killAfter` seconds after its start.
    case command(String, killAfter: Double?)
    case databaseBusy(seconds: Double)
  }

  var at: Double
  var agent: String?
  var kind: Kind
}

extension FaultPlan {
  /// The faults of one run, chosen from the seed (after the agents).
  func schedule() -> [FaultAction] {
    var random = SeededGenerator(seed: seed ^ 0x5EED)
    func time(_ range: ClosedRange<Double>) -> Double { Double.random(in: range, using: &random) }
    func killDelay() -> Double { time(0.01...0.5) }
    var actions: [FaultAction] = []
    for agent in agents {
      let spawnAt = time(0...1.5)
      var first = agent.role == .startKill ? spawnAt + time(0.1...0.8) : time(0.2...2.0)
      for _ in 0..<agent.supervisorKills {
        actions.append(FaultAction(at: first, agent: agent.name, kind: .killSupervisor))
        // The next kill may find the replacement supervisor still starting.
        first += time(0.1...1.5)
      }
      let kind: FaultAction.Kind? =
        switch agent.role {
        case .cliKill: .killCLI
        case .worktreeDelete: .deleteWorktree
        case .ask: .command("answer", killAfter: nil)
        case .askAnswerKilled: .command("answer", killAfter: killDelay())
        case .stop: .command("stop", killAfter: nil)
        case .stopKilled: .command("stop", killAfter: killDelay())
        case .delete: .command("delete", killAfter: nil)
        case .deleteKilled: .command("delete", killAfter: killDelay())
        default: nil
        }
      if let kind { actions.append(FaultAction(at: time(0.2...2.5), agent: agent.name, kind: kind)) }
      if agent.late {
        let killAfter = agent.role == .spawnKilled ? time(0.02...0.6) : nil
        actions.append(
          FaultAction(at: spawnAt, agent: agent.name, kind: .command("spawn", killAfter: killAfter)))
      }
    }
    // A wait on an agent held at its gate is still waiting when it is killed: at least one command
    // is always killed mid-flight, however quickly the others finish.
    let heldAtGate = agents.filter { $0.gated && $0.role == .supervisorKill }
    for _ in 0..<2 {
      let target = (heldAtGate.randomElement(using: &random) ?? agents.randomElement(using: &random))?.name
      actions.append(
        FaultAction(at: time(0...2.5), agent: target, kind: .command("wait", killAfter: killDelay())))
      actions.append(FaultAction(at: time(0.3...3), agent: nil, kind: .databaseBusy(seconds: time(1...3))))
      actions.append(
        FaultAction(at: time(0...3), agent: nil, kind: .command("reconcile", killAfter: killDelay())))
    }
    return actions.sorted { $0.at < $1.at }
  }

  /// How long after its start each killed spawn is killed.
  func spawnKillDelays() -> [String: Double] {
    var random = SeededGenerator(seed: seed ^ 0x5A5A)
    var delays: [String: Double] = [:]
    for agent in agents where agent.role == .spawnKilled && !agent.late {
      delays[agent.name] = Double.random(in: 0.02...0.6, using: &random)
    }
    return delays
  }
}
