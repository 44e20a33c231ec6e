import Foundation
import ProcessKit
import Testing

@testable import MultiAgent

#if canImport(Glibc)
  import Glibc
#endif

/// A wait sleeps on its agent's supervisor's exit, and reconciles at once when that supervisor
/// exits without settling the agent; it does not wait on the exited process again (its pidfd stays
/// readable: the loop would spin, reading the records, until the next reconcile pass).
@Suite struct WaitPacingTests {
  private func sleeper() throws -> ProcessIdentity {
    try ProcessLauncher().launch(
      ProcessLaunchConfiguration(
        executable: "/bin/sleep", arguments: ["30"], environment: ["PATH": "/usr/bin:/bin"],
        workingDirectory: "/", standardInput: .null, output: .null))
  }

  @Test func aSupervisorThatExitsIsReconciledAtOnceAndNotWaitedOnAgain() throws {
    let start = ContinuousClock.now
    var pacing = WaitPacing(start: start, interval: .seconds(2))
    let dueAtFirst = pacing.reconcileIsDue(now: start + .milliseconds(10))
    #expect(!dueAtFirst)
    let supervisor = try sleeper()
    let watching = pacing.watcher(for: supervisor)
    let watcher = try #require(watching)
    #expect(!watcher.wait(timeout: .milliseconds(10)), "alive: the wait times out")

    kill(supervisor.pid, SIGKILL)
    #expect(watcher.wait(timeout: .seconds(10)), "exited: the wait ends and says so")
    pacing.watchedSupervisorExited()
    let dueAtExit = pacing.reconcileIsDue(now: start + .milliseconds(20))
    #expect(dueAtExit, "at once, not two seconds on")
    let dueAgain = pacing.reconcileIsDue(now: start + .milliseconds(30))
    #expect(!dueAgain, "once")
    let watchingExited = pacing.watcher(for: supervisor)
    #expect(watchingExited == nil, "an exited supervisor is slept past, not waited on")
    _ = try ProcessLauncher().waitForExit(supervisor.pid)

    let replacement = try sleeper()
    defer {
      kill(replacement.pid, SIGKILL)
      _ = try? ProcessLauncher().waitForExit(replacement.pid)
    }
    let watchingReplacement = pacing.watcher(for: replacement)
    #expect(watchingReplacement != nil, "a new supervisor of record is watched")
    let dueLater = pacing.reconcileIsDue(now: start + .seconds(3))
    #expect(dueLater, "and the agents are reconciled every interval")
    let watchingNone = pacing.watcher(for: nil)
    #expect(watchingNone == nil)
  }
}
