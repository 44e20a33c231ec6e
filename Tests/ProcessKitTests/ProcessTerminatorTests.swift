import Foundation
import ProcessKit
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite("ProcessTerminator")
struct ProcessTerminatorTests {
  let launcher = ProcessLauncher()
  let inspector = ProcessInspector()
  let terminator = ProcessTerminator()

  /// Starts `/bin/sh -c script` and waits until its session has `members` live processes.
  private func workload(_ script: String, members: Int) async throws -> ProcessIdentity {
    let identity = try launcher.launch(
      ProcessLaunchConfiguration(
        executable: "/bin/sh", arguments: ["-c", script], environment: ProcessTesting.environment))
    let started = await ProcessTesting.eventually { inspector.sessionMembers(identity.pid).count == members }
    #expect(started, "workload did not start \(members) processes")
    return identity
  }

  /// Whether no live process is in the group or the session of `identity`. Only meaningful while
  /// the leader (or another member) still holds that id: once the leader is reaped and its session
  /// and group are empty, the kernel may give the pid to an unrelated new group leader (pid_max is
  /// 32768 here, and the full suite forks tens of thousands of processes).
  private func nothingRemains(of identity: ProcessIdentity) -> Bool {
    inspector.processGroupMembers(identity.pid).isEmpty && inspector.sessionMembers(identity.pid).isEmpty
  }

  /// Whether each of these processes has exited: its pid is free, names a process with another
  /// start time, or names a zombie. Safe against pid reuse.
  private func allExited(_ processes: [ProcessSnapshot]) -> Bool {
    processes.allSatisfy {
      guard let now = inspector.snapshot(of: $0.pid), now.startTime == $0.startTime else { return true }
      return now.isZombie
    }
  }

  @Test func terminateGroupEndsGrandchildrenWithSIGTERM() async throws {
    let identity = try await workload("sleep 1000 & sleep 1000 & wait", members: 3)
    let grandchildren = inspector.processGroupMembers(identity.pid).filter { $0.pid != identity.pid }
    #expect(await terminator.terminateGroup(identity.pid, grace: .seconds(20)) == .terminated)
    #expect(nothingRemains(of: identity))  // the unreaped leader still holds the id
    #expect(allExited(grandchildren))
    #expect(try await launcher.waitForExit(identity.pid) == .signaled(SIGTERM))
  }

  @Test func groupIgnoringSIGTERMIsKilledAfterTheGrace() async throws {
    // The ignored disposition is inherited by the sleeps too.
    let identity = try await workload("trap '' TERM; sleep 1000 & sleep 1000 & wait", members: 3)
    #expect(await terminator.terminateGroup(identity.pid, grace: .milliseconds(200)) == .killed)
    #expect(nothingRemains(of: identity))
    #expect(try await launcher.waitForExit(identity.pid) == .signaled(SIGKILL))
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/perl"), "needs perl for setpgrp"))
  func sessionMembersThatLeftTheGroupAreTerminatedToo() async throws {
    let identity = try await workload(
      "/usr/bin/perl -e 'setpgrp(0, 0); sleep 1000' & sleep 1000 & wait", members: 3)
    #expect(
      await ProcessTesting.eventually {
        inspector.sessionMembers(identity.pid).contains { $0.processGroupID != identity.pid }
      })
    let members = inspector.sessionMembers(identity.pid)
    #expect(await terminator.terminateGroup(identity.pid, grace: .seconds(20)) == .terminated)
    #expect(nothingRemains(of: identity))
    #expect(allExited(members))
    _ = try await launcher.waitForExit(identity.pid)
  }

  @Test func orphansOfADeadLeaderAreStillTerminated() async throws {
    let identity = try await workload("sleep 1000 & sleep 1000 & wait", members: 3)
    // The leader dies alone (SIGKILL to it only); its children keep the group and session alive.
    #expect(kill(identity.pid, SIGKILL) == 0)
    #expect(try await launcher.waitForExit(identity.pid) == .signaled(SIGKILL))
    let orphans = inspector.sessionMembers(identity.pid)
    #expect(orphans.count == 2)
    #expect(await terminator.terminate(identity, grace: .seconds(20)) == .terminated)
    // The leader is reaped, so its pid may already name a stranger: check the orphans themselves.
    #expect(allExited(orphans))
  }

  @Test func nothingIsSignalledForAGoneProcessOrAStranger() async throws {
    let finished = try launcher.launch(
      ProcessLaunchConfiguration(executable: "true", environment: ProcessTesting.environment))
    _ = try await launcher.waitForExit(finished.pid)
    #expect(await terminator.terminate(finished, grace: .seconds(1)) == .nothingRunning)

    let running = try launcher.launch(
      ProcessLaunchConfiguration(
        executable: "sleep", arguments: ["1000"], environment: ProcessTesting.environment))
    var stranger = running
    stranger.startTime += 1  // same pid, a different process
    #expect(await terminator.terminate(stranger, grace: .seconds(1)) == .nothingRunning)
    #expect(inspector.isAlive(running))
    #expect(await terminator.terminate(running, grace: .seconds(20)) == .terminated)
    #expect(try await launcher.waitForExit(running.pid) == .signaled(SIGTERM))
  }
}
