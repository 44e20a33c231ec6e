import Foundation
import Testing
import TestSupport

/// "Nothing lost, no one in": two dozen agents run at once into one repository — fake CLIs that
/// stream numbered lines for seconds, plus the real claude and codex when installed — while their
/// supervisors, CLIs and `multiagent` commands (spawn, answer, stop, delete, wait) are killed with
/// SIGKILL mid-flight, worktrees are removed under running agents and another process holds the
/// database busy. Afterwards every agent is in the status its faults call for, every streamed line
/// was parsed exactly once, no record is half-written, and no branch, worktree or process is left.
///
/// The faults are chosen from a seed, printed with the counts; `MULTIAGENT_FAULT_SEED=<seed>`
/// replays a run.
@Suite(.serialized) struct FaultSuiteTests {
  @Test(.timeLimit(.minutes(4))) func nothingLostNoOneIn() throws {
    let seed = SeededGenerator.seedFromEnvironment()
    var realCLIs: [FaultRole] = []
    if RealCLIs.hasClaude { realCLIs.append(.realClaude) }
    if RealCLIs.hasCodex { realCLIs.append(.realCodex) }
    let plan = FaultPlan(seed: seed, realCLIs: realCLIs)
    print("fault suite: seed=\(seed) (MULTIAGENT_FAULT_SEED=\(seed) replays it)")
    let world = try FaultWorld(withRealCLIs: !realCLIs.isEmpty)
    let driver = FaultDriver(world: world, plan: plan)
    let began = Date()

    try driver.spawnAll()
    try driver.performFaults()
    try driver.driveToEnd()
    var report = try FaultInvariants(world: world, plan: plan).check()
    report.problems = driver.problems + report.problems

    let counts = driver.counts
    print(
      "fault suite: seed=\(seed) agents=\(plan.agents.count) "
        + "kills(supervisor/cli/command)=\(counts.supervisorKills)/\(counts.cliKills)/\(counts.commandKills) "
        + "worktrees_deleted=\(counts.worktreesDeleted) db_busy=\(counts.databaseBusy) bytes=\(report.bytes) "
        + "lost=\(report.lost) time=\(Int(Date().timeIntervalSince(began)))s")
    for problem in report.problems { print("fault suite: \(problem)") }
    if !report.problems.isEmpty {
      // The whole sandbox (home, repository, the fake's calls), for whoever replays the seed.
      let kept = NSTemporaryDirectory() + "multiagent-fault-\(seed)-\(UUID().uuidString.prefix(4))"
      try? FileManager.default.copyItem(atPath: world.lifecycle.sandbox.root.url.path, toPath: kept)
      print("fault suite: the sandbox is kept in \(kept)")
    }
    // The story of each agent in trouble, for whoever replays the seed.
    for agent in plan.agents where report.problems.contains(where: { $0.contains(agent.name) }) {
      let events = (try? world.run(["events", "--agent", agent.name]))?.stdout ?? ""
      print("fault suite: events of \(agent.name):\n\(events)")
    }
    #expect(report.lost == 0, "seed \(seed)")
    #expect(report.problems.isEmpty, "seed \(seed): \(report.problems.joined(separator: "\n"))")
    #expect(plan.agents.count >= 20)
    #expect(counts.supervisorKills > 0 && counts.cliKills > 0 && counts.commandKills > 0)
  }
}
