import Credentials
import Foundation
import ProcessKit
import StateStore
import TestSupport
import Testing

@testable import MultiAgent

/// Several controllers on one store (one SQLite home, or PostgreSQL): each supervises the agents of
/// its own machine, and leaves the others' alone — their pids and paths mean nothing here.
@Suite struct SharedStoreMachineTests {
  /// How an agent of machine A looks from machine B: a supervisor and a CLI whose pids are not
  /// alive here, a worktree that is not here.
  static func agentOfMachineA(id: String, name: String, machine: String?) -> AgentRecord {
    AgentRecord(
      id: id, name: name, provider: "claude", status: .running, sessionID: "s-\(id)",
      worktreePath: "/nonexistent/multiagent-machine-a/\(name)", createdWorktree: true,
      supervisor: ProcessIdentity(pid: 999_999, startTime: 1, spawnID: "sup-\(id)", bootID: "boot-a"),
      cli: ProcessIdentity(pid: 999_998, startTime: 2, spawnID: "cli-\(id)", bootID: "boot-a"),
      machine: machine)
  }

  /// A manager on `machine` over the store under test, with a home of its own (machines do not share
  /// homes; `/bin/true` as the supervisor, so a repair would show in the report).
  static func manager(_ under: StoreUnderTest, machine: String, home directory: TemporaryDirectory)
    throws -> AgentManager
  {
    try AgentManager(
      home: StateHome(path: directory.path(machine), store: under.location),
      supervision: .detached(executable: "/bin/true", arguments: []), machine: machine)
  }

  @Test(arguments: TestEngine.available)
  func anotherMachinesAgentIsOnlyReadAndItsOwnerStillRepairsIt(_ engine: TestEngine) async throws {
    let under = try StoreUnderTest(engine)
    let homes = try TemporaryDirectory(prefix: "machines")
    let b = try Self.manager(under, machine: "machine-b", home: homes)
    let stored = try b.store.create(Self.agentOfMachineA(id: "a1", name: "remote-one", machine: "machine-a"))
    #expect(stored.machine == "machine-a")
    #expect(stored.supervisor?.bootID == "boot-a")

    let report = b.reconcile()
    #expect(report.settled.isEmpty && report.adopted.isEmpty && report.worktreeGone.isEmpty)
    #expect(try b.store.agent(id: "a1") == stored)

    for (action, attempt) in Self.actions(on: b) {
      let refused = await Self.error(of: attempt)
      #expect(refused?.code == .otherMachine, "\(action): \(String(describing: refused))")
      #expect(refused?.facts["machine"] == "machine-a")
      #expect(refused?.message.contains("on machine-a") == true, "\(action): \(refused?.message ?? "")")
    }
    #expect(try b.store.agent(id: "a1") == stored)
    #expect(try await b.wait(for: ["remote-one"], mode: .any, timeout: .milliseconds(300)).timedOut)

    // Its own machine sees the truth: the processes are gone, and so is the worktree.
    let a = try Self.manager(under, machine: "machine-a", home: homes)
    #expect(a.reconcile().worktreeGone == ["remote-one"])
    let settled = try #require(try b.store.agent(id: "a1"))
    #expect(settled.status == .crashed)
    // Finished, but its worktree is not here: deleting it is still machine A's business.
    #expect(await Self.error(of: { try await b.delete("remote-one") })?.code == .otherMachine)
    try await a.delete("remote-one")
    #expect(try b.store.agent(id: "a1") == nil)
  }

  /// Rows written before machines were kept (no machine) belong to whoever reads them, as before.
  @Test(arguments: TestEngine.available)
  func anAgentWithoutAMachineIsThisMachines(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)
    let homes = try TemporaryDirectory(prefix: "machines")
    let b = try Self.manager(under, machine: "machine-b", home: homes)
    try b.store.create(Self.agentOfMachineA(id: "o1", name: "old-row", machine: nil))
    #expect(b.reconcile().worktreeGone == ["old-row"])
    #expect(try b.store.agent(id: "o1")?.status == .crashed)
  }

  /// A store made before step 6 gains the columns, and its rows read without a machine or boots.
  @Test(arguments: TestEngine.available)
  func aStoreOfStepFiveMigratesWithItsRows(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)
    let full = AgentStore.schema
    let stepFive = StoreSchema(
      component: full.component, migrations: Array(full.migrations.prefix { $0.version <= 5 }),
      postgresMigrations: Array(full.postgresMigrations.prefix { $0.version <= 5 }))
    let old = try under.openDatabase([stepFive, AccountStore.schema])
    try old.write { (connection) throws(StoreError) in
      try connection.execute(
        "INSERT INTO agents (id, name, provider, status, supervisor_pid, supervisor_start_time, "
          + "supervisor_spawn_id, created_at, updated_at) VALUES ('o1', 'old', 'claude', 'running', 42, 7, "
          + "'sp', 1, 1)")
    }
    let store = try under.open()
    #expect(try store.database.schemaVersion(of: AgentStore.schema) == AgentStore.schema.currentVersion)
    let record = try #require(try store.agent(id: "o1"))
    #expect(record.machine == nil)
    #expect(record.supervisor == ProcessIdentity(pid: 42, startTime: 7, spawnID: "sp", bootID: ""))
  }

  /// A queued agent is started by whichever controller admits it, and is then that one's.
  @Test(arguments: TestEngine.available)
  func aQueuedAgentBelongsToTheControllerThatStartsIt(_ engine: TestEngine) throws {
    let under = try StoreUnderTest(engine)
    let homes = try TemporaryDirectory(prefix: "machines")
    let b = try Self.manager(under, machine: "machine-b", home: homes)
    try b.store.create(
      AgentRecord(id: "q1", name: "queued-one", provider: "claude", status: .queued, machine: "machine-a"))
    let paths = AgentPaths(home: b.home, id: "q1")
    try FileManager.default.createDirectory(atPath: paths.directory, withIntermediateDirectories: true)
    try RunPlan(kind: .spawn, prompt: "go", sessionID: nil).write(to: paths.runPlan)
    #expect(b.startQueued() == ["q1"])
    let started = try #require(try b.store.agent(id: "q1"))
    #expect(started.machine == "machine-b")
    #expect(started.supervisor?.bootID == ProcessInspector().bootID())
  }

  /// What B may not do to A's agent, each as a closure that throws.
  static func actions(on b: AgentManager) -> [(String, @Sendable () async throws -> Void)] {
    [
      ("stop", { _ = try await b.stop("remote-one", grace: .milliseconds(100)) }),
      ("delete", { try await b.delete("remote-one") }),
      ("send", { _ = try b.send("remote-one", message: "hello") }),
      ("answer", { _ = try b.answer("remote-one", .freeText("yes")) }),
      ("logs", { try b.requireLogHere(try b.agent("remote-one")) }),
    ]
  }

  static func error(of attempt: @Sendable () async throws -> Void) async -> AgentError? {
    do {
      try await attempt()
      return nil
    } catch {
      return error as? AgentError
    }
  }
}

/// A reboot ends every process: a record of this machine whose processes ran in another boot is
/// settled by reconcile, even when the pid and start time now name a live process.
@Suite struct RebootReconcileTests {
  @Test func anAgentWhoseProcessesRanInAnotherBootIsSettled() throws {
    let directory = try TemporaryDirectory(prefix: "reboot")
    let home = StateHome(path: directory.path("home"))
    let manager = try AgentManager(
      home: home, supervision: .detached(executable: "/bin/true", arguments: []), machine: "here")
    // This test process: alive, with the start time and spawn id the identity names.
    var alive = try ProcessInspector().currentIdentity()
    #expect(!alive.bootID.isEmpty)
    try manager.store.create(
      AgentRecord(id: "l1", name: "live", provider: "claude", status: .running, supervisor: alive, cli: alive)
    )
    alive.bootID = "00000000-0000-0000-0000-000000000000"
    #expect(!ProcessInspector().isAlive(alive))
    try manager.store.create(
      AgentRecord(
        id: "r1", name: "rebooted", provider: "claude", status: .running, supervisor: alive, cli: alive,
        machine: "here"))
    try FileManager.default.createDirectory(
      atPath: AgentPaths(home: home, id: "r1").directory, withIntermediateDirectories: true)

    let report = manager.reconcile()
    #expect(report.settled == ["rebooted"])
    #expect(try manager.store.agent(id: "r1")?.status == .crashed)
    #expect(try manager.store.agent(id: "l1")?.status == .running)
  }
}
