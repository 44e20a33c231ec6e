import Foundation
import Testing
import TestSupport

/// An invalid `<home>/providers.json` stops what needs a provider's definition (spawn, answer,
/// send, reconcile), with the file named and how to fix it; the agents already there can still be
/// listed, shown, stopped and deleted — with a warning — so that a typo in the file never takes
/// them hostage.
@Suite struct BrokenCatalogTests {
  @Test func agentsAreListedStoppedAndDeletedWhileTheFileIsInvalid() throws {
    let world = try LifecycleSandbox()
    _ = try world.spawn("@gate held", name: "held")
    let id = try #require(try world.waitUntilRunning("held")["id"] as? String)
    #expect(!processes(ofAgent: id).isEmpty)
    let file = try world.sandbox.writeUserCatalog("{\"providers\": {")

    let listed = try world.run(["list"])
    #expect(listed.exitCode == 0, "\(listed.stderr)")
    #expect(listed.stdout.contains("held"))
    #expect(listed.stderr.hasPrefix("warning: \(file)"), "\(listed.stderr)")
    #expect(listed.stderr.contains("fix or remove \(file)"))
    let rows = try world.run(["--json", "list"]).jsonArray()
    #expect(rows.map { $0["name"] as? String } == ["held"])

    let spawned = try world.run(["spawn", "--provider", "fake", "--cwd", world.repository, "another"])
    #expect(spawned.exitCode == 1)
    #expect(spawned.stderr.contains("fix or remove \(file)"), "\(spawned.stderr)")
    #expect(try world.run(["--json", "list", "--all"]).jsonArray().count == 1, "nothing was recorded")
    #expect(try world.run(["reconcile"]).exitCode == 1)

    let stopped = try world.run(["stop", "held"])
    #expect(stopped.exitCode == 0, "\(stopped.stderr)")
    #expect(try world.record("held")["status"] as? String == "stopped")
    #expect(processes(ofAgent: id).isEmpty, "\(described(processes(ofAgent: id)))")

    let deleted = try world.run(["delete", "held"])
    #expect(deleted.exitCode == 0, "\(deleted.stderr)")
    #expect(try world.run(["--json", "list", "--all"]).jsonArray().isEmpty)
  }
}
