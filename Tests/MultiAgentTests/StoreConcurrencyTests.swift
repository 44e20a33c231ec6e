@testable import StateStore
import Foundation
import JSONKit
import ProviderKit
import Synchronization
import TestSupport
import Testing

@testable import MultiAgent

/// Many connections at once (each thread opens its own store, as separate processes would): no
/// lost update, no "database is locked", and a fresh file survives its first-open race.
@Suite struct StoreConcurrencyTests {
  let directory: TemporaryDirectory
  let path: String
  init() throws {
    directory = try TemporaryDirectory(prefix: "store-concurrency")
    path = directory.path("state.db")
  }

  /// Runs `body(index)` on `count` threads released together; returns the errors they threw.
  static func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) -> [String] {
    let errors = Mutex<[String]>([])
    let ready = DispatchSemaphore(value: 0)
    let start = DispatchSemaphore(value: 0)
    let group = DispatchGroup()
    for index in 0..<count {
      group.enter()
      let thread = Thread {
        ready.signal()
        start.wait()
        do { try body(index) } catch { errors.withLock { $0.append("thread \(index): \(error)") } }
        group.leave()
      }
      thread.stackSize = 1 << 20
      thread.start()
    }
    for _ in 0..<count { ready.wait() }
    for _ in 0..<count { start.signal() }
    group.wait()
    return errors.withLock { $0 }
  }

  @Test func readModifyWriteLosesNothing() throws {
    let setup = try AgentStore(path: path)
    try setup.create(AgentRecord(id: "counter", name: "counter", provider: "codex"))
    let threads = 30
    let increments = 50
    let path = path
    let clock = ContinuousClock()
    let started = clock.now
    let errors = Self.onThreads(threads) { _ in
      let store = try AgentStore(path: path)
      for _ in 0..<increments {
        try store.update(id: "counter") { $0.parseOffset += 1 }
      }
    }
    print("[store] \(threads)×\(increments) read-modify-write updates: \(clock.now - started)")
    #expect(errors.isEmpty, "\(errors)")
    #expect(try setup.agent(id: "counter")?.parseOffset == Int64(threads * increments))
  }

  @Test func compareAndSetHasOneWinner() throws {
    let setup = try AgentStore(path: path)
    try setup.create(AgentRecord(id: "race", name: "race", provider: "codex", status: .running))
    let path = path
    let winners = Mutex(0)
    let errors = Self.onThreads(20) { index in
      let outcome = try AgentStore(path: path).transition(id: "race", from: [.running], to: .completed) {
        $0.result = "winner \(index)"
      }
      if outcome.applied { winners.withLock { $0 += 1 } }
    }
    #expect(errors.isEmpty, "\(errors)")
    #expect(winners.withLock { $0 } == 1)
    #expect(try setup.events(agentID: "race").filter { $0.type == .statusChanged }.count == 1)
  }

  @Test func concurrentCreatorsOnAFreshFile() throws {
    let path = path
    let threads = 30
    let perThread = 5
    let errors = Self.onThreads(threads) { index in
      let store = try AgentStore(path: path)
      for item in 0..<perThread {
        try store.create(
          AgentRecord(id: "t\(index)-\(item)", name: "agent-\(index)-\(item)", provider: "codex"))
        _ = try store.list()
      }
    }
    #expect(errors.isEmpty, "\(errors)")
    #expect(!errors.contains { $0.contains("locked") })
    let store = try AgentStore(path: path)
    #expect(try store.count() == threads * perThread)
    #expect(try store.database.schemaVersion(of: AgentStore.schema) == AgentStore.schemaVersion)
    #expect(try store.events(afterID: 0).count == threads * perThread)
  }

  @Test func listingTenThousandAgents() throws {
    let store = try AgentStore(path: path)
    let clock = ContinuousClock()
    var started = clock.now
    let base = 1_700_000_000.0
    for index in 0..<10_000 {
      try store.create(
        AgentRecord(
          id: String(format: "id%05d", index), name: "agent-\(index)",
          provider: index % 2 == 0 ? "codex" : "claude",
          account: "work", status: index % 3 == 0 ? .completed : .running, sessionID: "session-\(index)",
          promptSummary: "Fix the flaky test number \(index)", cwd: "/home/user/repo",
          worktreePath: "/home/user/.multiagent/worktrees/agent-\(index)",
          branch: "multiagent/agent-\(index)",
          baseRef: "main", createdWorktree: true, createdBranch: true,
          supervisor: .init(pid: 1000, startTime: 123_456, spawnID: "spawn-\(index)"),
          createdAt: Date(timeIntervalSince1970: base + Double(index))))
    }
    print("[store] created 10,000 agents one transaction each: \(clock.now - started)")

    let reopened = try AgentStore(path: path)
    started = clock.now
    let all = try reopened.list()
    let listed = clock.now - started
    started = clock.now
    let json = try JSONEncoder().encode(all)
    let encoded = clock.now - started
    started = clock.now
    let written = JSONWriter.string(.array(all.map(\.jsonValue)))
    print(
      "[store] list of 10,000: \(listed); JSONEncoder: \(encoded), \(json.count) bytes; "
        + "jsonValue + JSONWriter: \(clock.now - started), \(written.utf8.count) bytes")
    #expect(all.count == 10_000)
    #expect(all.first?.id == "id00000" && all.last?.id == "id09999")
    #expect(try reopened.count(.init(provider: "codex")) == 5_000)
  }
}
