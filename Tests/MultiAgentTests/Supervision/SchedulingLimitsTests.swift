import Foundation
import Testing

@testable import MultiAgent

/// The limits of `config.json`: parsing, and which queued agent fits among those holding a slot.
@Suite struct SchedulingLimitsTests {
  private func agent(_ id: String, _ provider: String = "codex", account: String? = nil) -> AgentRecord {
    AgentRecord(id: id, name: id, provider: provider, account: account, status: .running)
  }

  @Test func noLimitsFitEverything() {
    let limits = SchedulingLimits()
    #expect(limits.isUnlimited)
    #expect(limits.fits(agent("new"), holding: (0..<50).map { agent("a\($0)") }))
  }

  @Test func theGlobalLimitCountsEveryHolder() {
    let limits = SchedulingLimits(maxRunning: 2)
    #expect(limits.fits(agent("new"), holding: [agent("a")]))
    #expect(!limits.fits(agent("new"), holding: [agent("a"), agent("b", "claude")]))
  }

  @Test func anOverrideReplacesTheGlobalLimit() {
    let limits = SchedulingLimits(maxRunning: 1)
    #expect(limits.fits(agent("new"), holding: [agent("a")], maxRunning: 2))
    #expect(!SchedulingLimits().fits(agent("new"), holding: [agent("a")], maxRunning: 1))
  }

  @Test func aProviderLimitCountsOnlyThatProvider() {
    let limits = SchedulingLimits(perProvider: ["claude": 1])
    let holding = [agent("c1", "claude"), agent("x1"), agent("x2")]
    #expect(!limits.fits(agent("new", "claude"), holding: holding))
    #expect(limits.fits(agent("new", "codex"), holding: holding))
  }

  @Test func anAccountLimitCountsOnlyThatAccount() {
    let limits = SchedulingLimits(perAccount: ["acct-1": 1])
    let holding = [agent("a", account: "acct-1")]
    #expect(!limits.fits(agent("new", account: "acct-1"), holding: holding))
    #expect(limits.fits(agent("new", account: "acct-2"), holding: holding))
    #expect(limits.fits(agent("new"), holding: holding))
  }

  @Test func aConfigWithoutLimitsIsUnlimited() throws {
    #expect(try SchedulingLimits.parse(Array(#"{"other": 1}"#.utf8), path: "config.json").isUnlimited)
  }

  @Test func theConfigFileIsParsedWithEveryTable() throws {
    let json = #"{"limits": {"maxRunning": 3, "perProvider": {"claude": 2}, "perAccount": {"acct-1": 1}}}"#
    let limits = try SchedulingLimits.parse(Array(json.utf8), path: "config.json")
    #expect(limits == SchedulingLimits(maxRunning: 3, perProvider: ["claude": 2], perAccount: ["acct-1": 1]))
  }

  @Test(arguments: [
    #"{"limits": {"maxRunning": 0}}"#, #"{"limits": {"maxRunning": "two"}}"#,
    #"{"limits": {"perProvider": {"claude": -1}}}"#, #"{"limits": {"maxRuning": 2}}"#, #"{"limits": []}"#,
    "[1]", "{",
  ])
  func anInvalidConfigNamesTheFile(json: String) {
    #expect {
      try SchedulingLimits.parse(Array(json.utf8), path: "/home/x/config.json")
    } throws: { error in
      (error as? AgentError)?.message.hasPrefix("/home/x/config.json") == true
    }
  }
}
