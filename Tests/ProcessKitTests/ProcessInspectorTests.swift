import Foundation
import ProcessKit
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite("ProcessInspector")
struct ProcessInspectorTests {
  let launcher = ProcessLauncher()
  let inspector = ProcessInspector()
  let terminator = ProcessTerminator()

  private func sleeper() throws -> ProcessIdentity {
    try launcher.launch(
      ProcessLaunchConfiguration(
        executable: "sleep", arguments: ["1000"], environment: ProcessTesting.environment))
  }

  private func stop(_ identity: ProcessIdentity) async throws {
    _ = await terminator.terminate(identity, grace: .seconds(10))
    _ = try await launcher.waitForExit(identity.pid)
  }

  @Test func aliveOnlyWhenPidStartTimeAndSpawnIDAllMatch() async throws {
    let identity = try sleeper()
    #expect(inspector.isAlive(identity))
    var wrongStart = identity
    wrongStart.startTime += 1
    #expect(!inspector.isAlive(wrongStart))
    var wrongSpawn = identity
    wrongSpawn.spawnID = ProcessIdentity.makeSpawnID()
    #expect(!inspector.isAlive(wrongSpawn))
    var unknownSpawn = identity
    unknownSpawn.spawnID = ""
    #expect(inspector.isAlive(unknownSpawn))
    try await stop(identity)
    #expect(!inspector.isAlive(identity))
  }

  /// A process just launched is inside `execve` until its environment is laid out: /proc shows it
  /// empty meanwhile, and the start time alone decides (a launch that does not wait for the exec
  /// records an identity that must read alive at once). `env -i` leaves an empty environment for
  /// good, which shows the same.
  @Test func aProcessWhoseEnvironmentReadsEmptyIsAliveByItsStartTime() async throws {
    let identity = try launcher.launch(
      ProcessLaunchConfiguration(
        executable: "env", arguments: ["-i", "sleep", "1000"], environment: ProcessTesting.environment))
    #expect(
      await ProcessTesting.eventually { ProcessTesting.read("/proc/\(identity.pid)/comm") == "sleep\n" })
    #expect(await ProcessTesting.eventually { ProcessTesting.read("/proc/\(identity.pid)/environ") == "" })
    #expect(inspector.isAlive(identity))
    var wrongStart = identity
    wrongStart.startTime += 1
    #expect(!inspector.isAlive(wrongStart))
    try await stop(identity)
    #expect(!inspector.isAlive(identity))
  }

  @Test func aLaunchThatDoesNotAwaitTheExecIsAliveAtOnce() async throws {
    var configuration = ProcessLaunchConfiguration(
      executable: "sleep", arguments: ["1000"], environment: ProcessTesting.environment)
    configuration.awaitsExec = false
    let identity = try launcher.launch(configuration)
    #expect(inspector.isAlive(identity))
    #expect(
      await ProcessTesting.eventually { ProcessTesting.read("/proc/\(identity.pid)/comm") == "sleep\n" })
    #expect(inspector.isAlive(identity))
    try await stop(identity)
  }

  @Test func zombieIsNotAlive() async throws {
    let identity = try launcher.launch(
      ProcessLaunchConfiguration(executable: "true", environment: ProcessTesting.environment))
    // Not reaped yet: the entry stays, as a zombie.
    #expect(await ProcessTesting.eventually { inspector.snapshot(of: identity.pid)?.isZombie == true })
    #expect(!inspector.isAlive(identity))
    #expect(try await launcher.waitForExit(identity.pid) == .exited(0))
    #expect(
      inspector.snapshot(of: identity.pid) == nil
        || inspector.startTime(of: identity.pid) != identity.startTime)
  }

  @Test func startTimeIsFieldTwentyTwoEvenWhenTheCommandNameHasParentheses() throws {
    let line =
      "4242 (a) b (c) S 1 4242 4242 0 -1 4194560 120 0 0 0 3 1 0 0 20 0 1 0 987654321 9 9 18446744073709551615"
    let snapshot = try #require(ProcessSnapshot(procStat: Array(line.utf8)))
    #expect(snapshot.pid == 4242)
    #expect(snapshot.state == "S")
    #expect(snapshot.parentPID == 1)
    #expect(snapshot.processGroupID == 4242)
    #expect(snapshot.sessionID == 4242)
    #expect(snapshot.startTime == 987_654_321)
    #expect(ProcessSnapshot(procStat: Array("4242 (truncated".utf8)) == nil)
  }

  @Test func realProcessWithParenthesesInItsNameIsParsed() async throws {
    let directory = try ProcessTesting.makeDirectory()
    defer { ProcessTesting.remove(directory) }
    let oddName = directory + "/a) b (c"
    try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: oddName)
    let identity = try launcher.launch(
      ProcessLaunchConfiguration(
        executable: oddName, arguments: ["1000"], environment: ProcessTesting.environment))
    #expect(ProcessTesting.read("/proc/\(identity.pid)/comm") == "a) b (c\n")
    let snapshot = try #require(inspector.snapshot(of: identity.pid))
    #expect(snapshot.processGroupID == identity.pid)
    #expect(snapshot.sessionID == identity.pid)
    #expect(snapshot.parentPID == getpid())
    #expect(snapshot.startTime == identity.startTime)
    #expect(inspector.isAlive(identity))
    try await stop(identity)
  }

  @Test func groupAndSessionMembersIncludeGrandchildren() async throws {
    let identity = try launcher.launch(
      ProcessLaunchConfiguration(
        executable: "/bin/sh", arguments: ["-c", "sleep 1000 & sleep 1000 & wait"],
        environment: ProcessTesting.environment))
    #expect(await ProcessTesting.eventually { inspector.processGroupMembers(identity.pid).count == 3 })
    let group = inspector.processGroupMembers(identity.pid)
    #expect(Set(group.map(\.sessionID)) == [identity.pid])
    #expect(group.filter { $0.pid != identity.pid }.allSatisfy { $0.parentPID == identity.pid })
    #expect(Set(inspector.sessionMembers(identity.pid).map(\.pid)) == Set(group.map(\.pid)))
    try await stop(identity)
  }

  @Test func currentIdentityIsAlive() throws {
    let current = try inspector.currentIdentity()
    #expect(current.pid == getpid())
    #expect(inspector.isAlive(current))
  }

  @Test func waitUntilGoneFollowsAProcessItDoesNotReap() async throws {
    // Reaped by the background waiter, so this test observes it only through the process table,
    // as a later `multiagent` observes a supervisor it did not start.
    let identity = try launcher.launchDetached(
      ProcessLaunchConfiguration(
        executable: "sleep", arguments: ["1000"], environment: ProcessTesting.environment))
    #expect(await inspector.waitUntilGone(identity, timeout: .milliseconds(50)) == false)
    #expect(kill(identity.pid, SIGKILL) == 0)
    #expect(await inspector.waitUntilGone(identity, timeout: .seconds(20)))
  }
}
