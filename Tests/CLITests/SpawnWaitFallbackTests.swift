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

  /// The supervisor a spawn starts ahead is reaped by init once the spawn exits, not by a thread of
  /// the spawn; a spawn that waits on has it reaped itself. A queued agent's supervisor is told to
  /// leave at once: it must not stay a zombie for as long as the spawn waits.
  @Test func aQueuedSpawnWaitLeavesNoZombieSupervisor() throws {
    let world = try LifecycleSandbox()
    _ = try world.spawn("@gate running", name: "running", extra: ["--max-running", "1"])
    let spawn = try KillableCommand(
      executable: CLIRunner.executable().path,
      arguments: [
        "--home", world.home, "spawn", "--provider", "fake", "--no-worktree", "--cwd", world.repository,
        "--name", "queued", "--max-running", "1", "--wait", "@gate queued",
      ],
      environment: world.sandbox.environment)
    let pid = spawn.process.processIdentifier
    let deadline = Date().addingTimeInterval(30)
    while (try? world.record("queued")["status"] as? String) != "queued" && Date() < deadline {
      usleep(20_000)
    }
    #expect(try world.record("queued")["status"] as? String == "queued")
    // Its supervisor, started ahead, leaves once told to; then it is gone, not a zombie.
    var children = Self.children(of: pid)
    while !children.isEmpty && Date() < deadline {
      usleep(20_000)
      children = Self.children(of: pid)
    }
    #expect(children.isEmpty, "children of the waiting spawn (pid: state): \(children)")
    try world.openGate()
    #expect(spawn.wait(timeout: 60) == 0, "\(spawn.stderr)")
    #expect(spawn.stdout == "queued\ncompleted\n")
  }

  /// The processes whose parent is `pid`, with their state letter (`Z` for a zombie).
  private static func children(of pid: Int32) -> [Int32: String] {
    var found: [Int32: String] = [:]
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
      guard let child = Int32(entry),
        let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { continue }
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      if fields.count > 1, Int32(fields[1]) == pid { found[child] = String(fields[0]) }
    }
    return found
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
