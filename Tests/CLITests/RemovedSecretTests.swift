import Foundation
import TestSupport
import Testing

/// A removed account's secret leaves no byte behind in the home — also while agents run, whose
/// supervisors keep the database (and its log, which outlives every process) open.
@Suite struct RemovedSecretTests {
  @Test func aSecretRemovedWhileAnAgentRunsIsInNoFileOfTheHome() throws {
    let world = try SecurityWorld()
    _ = try world.world.spawn("@gate holds the database open", name: "holder")
    _ = try world.world.waitUntilRunning("holder")

    let removed = SecuritySuiteTests.secret("removed-while-running")
    _ = try world.sandbox.addAccount(["fake", "--label", "gone", "--api-key-stdin"], input: removed)
    #expect(!HomeWalk.files(under: world.home, containing: removed).isEmpty, "the secret was never stored")
    #expect(try world.run(["accounts", "remove", "gone"]).exitCode == 0)
    #expect(
      HomeWalk.files(under: world.home, containing: removed).isEmpty, "a removed secret is still on disk")

    try world.world.openGate()
    #expect(try world.run(["wait", "holder", "--timeout", "60"]).exitCode == 0)
    #expect(HomeWalk.files(under: world.home, containing: removed).isEmpty)
  }
}
