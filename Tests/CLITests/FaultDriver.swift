import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// What the fault suite did.
struct FaultCounts {
  var supervisorKills = 0
  var cliKills = 0
  var commandKills = 0
  var worktreesDeleted = 0
  var databaseBusy = 0
}

/// Runs the plan: spawns every agent at once into the one repository, performs the faults while
/// they run, then drives everything to its end.
final class FaultDriver {
  let world: FaultWorld
  let plan: FaultPlan
  var counts = FaultCounts()
  /// Broken promises seen while driving (an agent lost after an interrupted answer, a failed spawn).
  var problems: [String] = []
  /// Commands started and not yet reaped: killed at `killAt` when set.
  private var running: [(command: KillableCommand, agent: String?, verb: String, killAt: Date?)] = []
  private var start = Date()
  /// The late agents whose spawn was started.
  private var spawned: Set<String> = []

  init(world: FaultWorld, plan: FaultPlan) {
    self.world = world
    self.plan = plan
  }

  // MARK: Spawning

  /// Starts every spawn at once; kills the `spawnKilled` ones after their delay.
  func spawnAll() throws {
    let delays = plan.spawnKillDelays()
    let begun = Date()
    var spawns: [(PlannedAgent, KillableCommand)] = []
    for agent in plan.agents where !agent.late {
      spawns.append((agent, try world.start(world.spawnArguments(agent))))
    }
    for (agent, command) in spawns.sorted(by: { (delays[$0.0.name] ?? 99) < (delays[$1.0.name] ?? 99) }) {
      guard let delay = delays[agent.name] else { continue }
      let wait = begun.addingTimeInterval(delay).timeIntervalSinceNow
      if wait > 0 { usleep(UInt32(wait * 1_000_000)) }
      if command.kill9() { counts.commandKills += 1 }
    }
    for (agent, command) in spawns {
      let code = command.wait()
      if agent.role != .spawnKilled && code != 0 {
        problems.append("spawn \(agent.name) exited \(code): \(command.stderr)")
      }
    }
  }

  // MARK: Faults

  /// Performs the scheduled faults, each once its target is ready, and reaps (or kills) the
  /// commands they start; gives up on what is still pending after `limit` seconds.
  func performFaults(limit: TimeInterval = 40) throws {
    var pending = plan.schedule()
    start = Date()
    while !(pending.isEmpty && running.isEmpty), Date().timeIntervalSince(start) < limit {
      reapAndKill(&pending)
      if let records = world.records() {
        let elapsed = Date().timeIntervalSince(start)
        var remaining: [FaultAction] = []
        for action in pending {
          let done = action.at <= elapsed ? try perform(action, records: records) : false
          if !done { remaining.append(action) }
        }
        pending = remaining
      }
      usleep(100_000)
    }
    for left in pending { print("fault suite: not performed: \(left.kind) on \(left.agent ?? "-")") }
    for entry in running { entry.command.wait(timeout: 60) }
    running = []
  }

  /// Performs `action` if its target is ready; true when it is done with (performed, or moot
  /// because the target settled or is gone).
  private func perform(_ action: FaultAction, records: [String: [String: Any]]) throws -> Bool {
    if case .databaseBusy(let seconds) = action.kind {
      running.append((try world.holdDatabaseBusy(seconds: seconds), nil, "busy", nil))
      counts.databaseBusy += 1
      return true
    }
    guard let name = action.agent else {
      if case .command(let verb, let killAfter) = action.kind {
        try startCommand([verb], agent: nil, verb: verb, killAfter: killAfter)
      }
      return true
    }
    if case .command("spawn", let killAfter) = action.kind, let agent = plan.agent(named: name) {
      // A start-kill agent's supervisor pauses after starting the CLI, before recording it.
      let pause = agent.role == .startKill ? ["MULTIAGENT_FAILPOINTS": "supervisor.launched=sleep:1.5"] : [:]
      let command = try world.start(world.spawnArguments(agent), extraEnvironment: pause)
      running.append((command, name, "spawn", killAfter.map { Date().addingTimeInterval($0) }))
      spawned.insert(name)
      return true
    }
    guard let record = records[name] else {
      // Not spawned yet (a late agent): wait; else gone.
      return plan.agent(named: name)?.late == true ? spawned.contains(name) : true
    }
    let status = record["status"] as? String ?? ""
    let cliRunning = status == "running" && record["cli"] is [String: Any]
    switch action.kind {
    case .killSupervisor:
      let starting = status == "starting" && plan.agent(named: name)?.role == .startKill
      guard cliRunning || starting else { return isSettled(status) }
      if killRecordedProcess(record["supervisor"], supervisorOnly: true) { counts.supervisorKills += 1 }
    case .killCLI:
      guard cliRunning else { return isSettled(status) }
      if killRecordedProcess(record["cli"]) { counts.cliKills += 1 }
    case .deleteWorktree:
      guard cliRunning, let path = record["worktree_path"] as? String else { return isSettled(status) }
      try FileManager.default.removeItem(atPath: path)
      counts.worktreesDeleted += 1
    case .command("answer", let killAfter):
      guard status == "waiting_for_input" else { return isSettled(status) }
      try startCommand(
        ["answer", name, "--answer", "q1=red"], agent: name, verb: "answer", killAfter: killAfter)
    case .command("wait", let killAfter):
      try startCommand(["wait", name, "--timeout", "30"], agent: name, verb: "wait", killAfter: killAfter)
    case .command("delete", let killAfter):
      // A retry after a killed delete finds the agent stopped already: delete it all the same.
      guard cliRunning || isSettled(status) else { return false }
      try startCommand(["delete", name], agent: name, verb: "delete", killAfter: killAfter)
    case .command(let verb, let killAfter):
      guard cliRunning else { return isSettled(status) }
      try startCommand([verb, name], agent: name, verb: verb, killAfter: killAfter)
    case .databaseBusy:
      break
    }
    return true
  }

  private func isSettled(_ status: String) -> Bool {
    ["completed", "failed", "stopped", "crashed"].contains(status)
  }

  private func startCommand(_ arguments: [String], agent: String?, verb: String, killAfter: Double?) throws {
    let killAt = killAfter.map { Date().addingTimeInterval($0) }
    running.append((try world.start(arguments), agent, verb, killAt))
  }

  /// Kills the commands whose time came, reaps those that ended, and schedules the retry a user
  /// would make after a command of theirs was killed (`stop`, `delete`, `answer` again).
  private func reapAndKill(_ pending: inout [FaultAction]) {
    let now = Date()
    var still: [(command: KillableCommand, agent: String?, verb: String, killAt: Date?)] = []
    for entry in running {
      var killed = false
      if let killAt = entry.killAt, killAt <= now {
        if entry.command.kill9() { counts.commandKills += 1 }
        killed = true
      } else if entry.command.process.isRunning {
        still.append(entry)
        continue
      }
      let code = entry.command.wait()
      // A command repairing an agent stands in as its supervisor, and may be killed as that.
      guard killed || code == 128 + SIGKILL else {
        if code != 0, entry.verb == "spawn" {
          problems.append("\(entry.command.description) exited \(code): \(entry.command.stderr)")
        } else if code != 0, ["stop", "answer", "delete"].contains(entry.verb) {
          print("fault suite: \(entry.command.description) exited \(code): \(entry.command.stderr)")
        }
        continue
      }
      guard let agent = entry.agent, ["answer", "stop", "delete"].contains(entry.verb) else { continue }
      let at = now.timeIntervalSince(start) + 0.2
      pending.append(FaultAction(at: at, agent: agent, kind: .command(entry.verb, killAfter: nil)))
      if entry.verb == "answer" { checkNotLost(agent) }
    }
    running = still
  }

  /// An agent whose `answer` was killed is waiting still, or resumed: never stopped, failed or gone.
  private func checkNotLost(_ name: String) {
    let record = try? world.run(["show", name, "--json"]).jsonObject()
    let status = record?["status"] as? String ?? "missing"
    if !["waiting_for_input", "starting", "running", "completed"].contains(status) {
      problems.append("lost: \(name) is \(status) after its answer was killed")
    }
  }

  // MARK: To the end

  /// Opens the gate, answers the questions still waiting, deletes again what a killed `delete`
  /// left (as its user would), and waits (`wait --all`) until every agent has settled.
  func driveToEnd(limit: TimeInterval = 120) throws {
    try world.lifecycle.openGate()
    try world.run(["reconcile"])
    let deadline = Date().addingTimeInterval(limit)
    while Date() < deadline {
      guard let records = world.records() else {
        usleep(200_000)
        continue
      }
      var acted = false
      for (name, record) in records.sorted(by: { $0.key < $1.key }) {
        guard let agent = plan.agent(named: name) else { continue }
        let status = record["status"] as? String ?? ""
        if agent.role.endsDeleted {
          try world.run(["delete", name])
          acted = true
        } else if status == "waiting_for_input", agent.role == .ask || agent.role == .askAnswerKilled {
          try world.run(["answer", name, "--answer", "q1=red"])
          acted = true
        }
      }
      if acted { continue }
      let unsettled = records.filter { !isSettled($0.value["status"] as? String ?? "") }
      if unsettled.isEmpty { return }
      let seconds = Int(max(1, deadline.timeIntervalSinceNow))
      try world.run(
        ["wait", "--all", "--timeout", String(seconds)] + unsettled.keys.sorted(), timeout: limit + 10)
      usleep(200_000)
    }
    let left = world.records()?.filter { !isSettled($0.value["status"] as? String ?? "") }.keys.sorted() ?? []
    problems.append("not settled after \(Int(limit))s: \(left)")
  }
}
