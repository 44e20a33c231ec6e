import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// A plain `spawn --wait` waits for its supervisor's word on the thread that read the command line,
/// with no worker thread. When the word is only the supervisor's death (killed while the CLI runs),
/// the wait goes on as `wait` does — the agent's CLI adopted by a new supervisor — and the command
/// still prints the agent's name once, then how it settled.
@Suite struct SpawnWaitFallbackTests {
  @Test func aSupervisorKilledDuringTheWaitIsReplacedAndTheNameIsPrintedOnce() throws {
    let world = try LifecycleSandbox()
    let spawn = try KillableCommand(
      executable: CLIRunner.executable().path,
      arguments: [
        "--home", world.home, "spawn", "--provider", "fake", "--no-worktree", "--cwd", world.repository,
        "--name", "held", "--wait", "@gate held",
      ],
      environment: world.sandbox.environment)
    // The spawn records the agent in a moment: until then `show` finds no such agent.
    let deadline = Date().addingTimeInterval(30)
    while (try? world.run(["show", "held"]).exitCode) != 0 && Date() < deadline { usleep(20_000) }
    let running = try world.waitUntilRunning("held")
    #expect(killRecordedProcess(running["supervisor"], supervisorOnly: true))
    try world.openGate()
    #expect(spawn.wait(timeout: 60) == 0, "\(spawn.stderr)")
    #expect(spawn.stdout == "held\ncompleted\n")
    #expect(try world.record("held")["status"] as? String == "completed")
  }

  @Test func aPlainWaitReportsJSONOnceAndNoName() throws {
    let world = try LifecycleSandbox()
    let result = try world.run([
      "--json", "spawn", "--provider", "fake", "--no-worktree", "--cwd", world.repository, "--name", "plain",
      "--wait", "quick job",
    ])
    #expect(result.exitCode == 0, "\(result.stderr)")
    let record = try result.jsonObject()
    #expect(record["name"] as? String == "plain")
    #expect(record["status"] as? String == "completed")
  }
}
