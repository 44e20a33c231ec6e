import Foundation
import Testing
import TestSupport

/// A supervisor that ran its agent to the end leaves the database's log started over: the next
/// command to open the database after every process closed it (the next spawn) reads back one
/// page, not every page the agent's life wrote.
@Suite struct SupervisorLogRestartTests {
  @Test func aSettledAgentsSupervisorLeavesTheLogAtOnePage() throws {
    let world = try LifecycleSandbox()
    for name in ["first", "second"] {
      let result = try world.run([
        "spawn", "--provider", "fake", "--no-worktree", "--cwd", world.repository, "--name", name, "--wait",
        "task of \(name)",
      ])
      #expect(result.exitCode == 0, "\(result.stderr)")
      #expect(result.stdout == "\(name)\ncompleted\n")
    }
    // The agents' lives wrote dozens of pages to the log; the second supervisor, once its spawn
    // has gone, starts it over (its file kept, one page under new salts).
    let log = world.home + "/state.db-wal"
    let deadline = Date().addingTimeInterval(30)
    var now = try WriteAheadLog(path: log)
    while now.validFrames != 1 && Date() < deadline {
      usleep(20_000)
      now = try WriteAheadLog(path: log)
    }
    #expect(now.validFrames == 1, "the log holds \(now.validFrames) pages")
    #expect(now.fileSize > 32 + 10 * 4_120, "the log's file was cut (\(now.fileSize) bytes)")
    // Nothing is lost: both agents read back, settled, by a new process.
    let listed = try world.run(["list", "--json"])
    #expect(listed.exitCode == 0)
    #expect(listed.stdout.contains("\"first\"") && listed.stdout.contains("\"second\""))
    #expect(try world.record("second")["status"] as? String == "completed")
  }
}
