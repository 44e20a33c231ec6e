import Foundation
import ProcessKit
import Testing

/// A process is identified by its boot as well: after a reboot, pids and start times count again
/// from the start, so an identity of another boot is never taken for a live process.
@Suite struct ProcessBootTests {
  @Test func anIdentityOfAnotherBootIsNotAlive() throws {
    let inspector = ProcessInspector()
    let me = try inspector.currentIdentity()
    #expect(!me.bootID.isEmpty)
    #expect(me.bootID == inspector.bootID())
    #expect(inspector.isAlive(me))

    var rebooted = me
    rebooted.bootID = "00000000-0000-0000-0000-000000000000"
    #expect(inspector.isFromAnotherBoot(rebooted))
    #expect(!inspector.isAlive(rebooted))

    // Recorded before boots were kept: looked for in this boot, as before.
    var unknown = me
    unknown.bootID = ""
    #expect(!inspector.isFromAnotherBoot(unknown))
    #expect(inspector.isAlive(unknown))
  }

  @Test func aLaunchedProcessCarriesTheBoot() throws {
    let identity = try ProcessLauncher().launch(
      ProcessLaunchConfiguration(
        executable: "/bin/true", arguments: [], environment: ProcessTesting.environment))
    #expect(identity.bootID == ProcessInspector().bootID())
    _ = try? ProcessLauncher().waitForExit(identity.pid)
  }

  @Test func anIdentityWrittenWithoutABootDecodes() throws {
    let old = #"{"pid": 12, "startTime": 34, "spawnID": "ab"}"#
    let decoded = try JSONDecoder().decode(ProcessIdentity.self, from: Data(old.utf8))
    #expect(decoded == ProcessIdentity(pid: 12, startTime: 34, spawnID: "ab"))
    let again = try JSONDecoder().decode(
      ProcessIdentity.self,
      from: JSONEncoder().encode(ProcessIdentity(pid: 1, startTime: 2, spawnID: "c", bootID: "d")))
    #expect(again.bootID == "d")
  }
}
