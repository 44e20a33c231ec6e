import Foundation
import ProcessKit
import ProviderKit
import TestSupport
import Testing

@testable import MultiAgent

/// A manager repairs only agents whose provider it knows; and a detached supervisor learns how it
/// was started, so the queued agents it starts are supervised the same way.
@Suite struct ReconcileProviderTests {
  /// An agent of a provider registered in code elsewhere, whose CLI runs without a supervisor: a
  /// manager that does not know the provider leaves it alone (a supervisor it started could only
  /// fail the agent); one that knows the provider adopts it.
  @Test func aManagerLeavesAgentsOfProvidersItDoesNotKnowToOneThatDoes() throws {
    let directory = try TemporaryDirectory(prefix: "unknown-provider")
    let home = StateHome(path: directory.path("home"))
    // `/bin/true` as the "supervisor": starting it succeeds, so an adoption shows in the report.
    let supervision = Supervision.detached(executable: "/bin/true", arguments: [])
    let stranger = try AgentManager(home: home, supervision: supervision)
    let running = try ProcessInspector().currentIdentity()
    let dead = ProcessIdentity(pid: 999_999, startTime: 1, spawnID: "gone")
    try stranger.store.create(
      AgentRecord(
        id: "c1", name: "coded", provider: "tally", status: .running, supervisor: dead, cli: running))

    try FileManager.default.createDirectory(
      atPath: AgentPaths(home: home, id: "c1").directory, withIntermediateDirectories: true)

    #expect(stranger.reconcile().adopted.isEmpty)
    #expect(try stranger.store.agent(id: "c1")?.supervisor == dead)

    var registry = try home.providerRegistry()
    var definition = try registry.provider(named: "claude").definition
    definition.name = "tally"
    registry.register(CatalogProvider(definition: definition, parserFactory: { _ in PlainTextParser() }))
    let knowing = try AgentManager(home: home, registry: registry, supervision: supervision)
    #expect(knowing.reconcile().adopted == ["coded"])
  }

  @Test func aDetachedSupervisorReadsBackHowItWasStarted() {
    let supervision = Supervision.detached(
      executable: "/opt/app/bin/app", arguments: ["agents", "supervise"])
    #expect(Supervision(environmentValue: supervision.environmentValue) == supervision)
    #expect(Supervision.inProcess.environmentValue == nil)
    #expect(Supervision(environmentValue: "not json") == nil)
    #expect(Supervision(environmentValue: "[]") == nil)
  }
}
