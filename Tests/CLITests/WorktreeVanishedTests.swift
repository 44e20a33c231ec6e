import Foundation

#if canImport(Glibc)
  import Glibc
#endif
import Testing
import TestSupport

/// A running agent whose worktree vanishes is crashed for that reason — not reported as "killed by
/// signal 15", which is only how its CLI was ended afterwards.
@Suite struct WorktreeVanishedTests {
  @Test func aRunningAgentWhoseWorktreeVanishedIsCrashedSayingSo() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@gate homeless", name: "runner")
    let worktree = try #require(try world.waitUntilRunning(name)["worktree_path"] as? String)
    try FileManager.default.removeItem(atPath: worktree)

    #expect(try world.run(["list"]).exitCode == 0)
    #expect(try world.run(["wait", name, "--timeout", "30"]).exitCode == 1)
    let settled = try world.record(name)
    #expect(settled["status"] as? String == "crashed")
    #expect(settled["error"] as? String == "the worktree \(worktree) vanished", "\(settled)")
    try world.openGate()
  }
}

/// The crash window after a settle by someone else: a command settles an agent whose worktree
/// vanished while its supervisor still runs, leaving the CLI's last output for that supervisor to
/// parse — and the supervisor is killed before it does. The next command parses it.
@Suite struct SettledOutputTests {
  @Test func outputLeftByASupervisorKilledAfterOthersSettledItsAgentIsParsedByTheNextCommand() throws {
    let world = try LifecycleSandbox()
    let name = try world.spawn("@stream:20 @gate last words", name: "orphaned")
    let running = try world.waitUntilRunning(name)
    let worktree = try #require(running["worktree_path"] as? String)
    let supervisor = try #require((running["supervisor"] as? [String: Any])?["pid"] as? NSNumber).int32Value
    let log = Self.logPath(world, running)
    // The supervisor can no longer read the log while the CLI streams its lines into it.
    #expect(kill(supervisor, SIGSTOP) == 0)
    defer { kill(supervisor, SIGKILL) }
    var size = -1
    while let now = FileManager.default.contents(atPath: log)?.count, now != size {
      size = now
      usleep(600_000)
    }
    try FileManager.default.removeItem(atPath: worktree)
    #expect(try world.run(["reconcile"]).exitCode == 0)
    let settled = try world.record(name)
    #expect(settled["status"] as? String == "crashed")
    #expect((settled["parse_offset"] as? Int ?? 0) < size, "the scenario needs output left unparsed")

    #expect(kill(supervisor, SIGKILL) == 0)
    while kill(supervisor, 0) == 0 { usleep(20_000) }
    #expect(try world.run(["list"]).exitCode == 0)
    let parsed = try world.record(name)
    let logSize = FileManager.default.contents(atPath: log)?.count
    #expect(parsed["parse_offset"] as? Int == logSize, "every byte of the log is parsed once")
    #expect(parsed["status"] as? String == "crashed")
    #expect(parsed["error"] as? String == "the worktree \(worktree) vanished", "\(parsed)")
    try world.openGate()
  }

  static func logPath(_ world: LifecycleSandbox, _ record: [String: Any]) -> String {
    world.home + "/agents/\(record["id"] as? String ?? "")/output.log"
  }
}
