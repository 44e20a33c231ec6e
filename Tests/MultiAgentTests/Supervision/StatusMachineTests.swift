import Foundation
import ProviderKit
import StateStore
import TestSupport
import Testing

@testable import MultiAgent

/// The one table of legal status transitions, and the store holding every write to it.
@Suite struct StatusMachineTests {
  @Test func terminalStatusesChangeOnlyWhenAMessageResumesThem() {
    for status in AgentStatus.allCases where status.isTerminal {
      for next in AgentStatus.allCases where next != status {
        #expect(status.canChange(to: next) == (next == .starting), "\(status) → \(next)")
      }
      #expect(StatusChange.followUp.from.contains(status))
    }
    #expect(StatusChange.all.filter { $0.to == .starting && $0.from.contains(.completed) } == [.followUp])
  }

  @Test func everyLiveStatusCanBeStopped() {
    for status in AgentStatus.allCases where !status.isTerminal {
      #expect(status.canChange(to: .stopped))
    }
  }

  @Test func theDocumentedPathsAreLegal() {
    let paths: [[AgentStatus]] = [
      [.queued, .starting, .running, .completed],
      [.starting, .running, .waitingForInput, .starting, .running, .failed],
      [.running, .waitingForAccount, .running, .crashed],
    ]
    for path in paths {
      for (from, to) in zip(path, path.dropFirst()) { #expect(from.canChange(to: to), "\(from) → \(to)") }
    }
    #expect(!AgentStatus.queued.canChange(to: .running))
    #expect(!AgentStatus.waitingForInput.canChange(to: .completed))
  }

  @Test func everyNamedChangeIsInTheTable() {
    for change in StatusChange.all {
      #expect(!change.from.isEmpty, "\(change)")
      for from in change.from { #expect(from.canChange(to: change.to), "\(change): \(from) → \(change.to)") }
    }
  }

  @Test func theStoreRefusesAChangeTheTableDoesNotAllow() throws {
    let directory = try TemporaryDirectory(prefix: "status-machine")
    let store = try AgentStore(path: directory.path("state.db"))
    try store.create(AgentRecord(id: "a", name: "a", provider: "codex", status: .completed))
    #expect(throws: StoreError.self) { try store.transition(id: "a", from: [.completed], to: .running) }
    #expect(throws: StoreError.self) { try store.update(id: "a") { $0.status = .queued } }
    #expect(try store.agent(id: "a")?.status == .completed)
    #expect(try store.events(agentID: "a").map(\.type) == [.created])
  }

  @Test func aNamedChangeIsACompareAndSet() throws {
    let directory = try TemporaryDirectory(prefix: "status-machine")
    let store = try AgentStore(path: directory.path("state.db"))
    try store.create(AgentRecord(id: "q", name: "q", provider: "codex", status: .queued))
    #expect(try !store.transition(id: "q", .answer).applied)
    let admitted = try store.transition(id: "q", .admit, message: "a slot is free")
    #expect(admitted.applied && admitted.record.status == .starting)
    #expect(admitted.event?.fromStatus == .queued && admitted.event?.message == "a slot is free")
    #expect(try !store.transition(id: "q", .admit).applied)
  }
}
