import Foundation
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
