import Foundation
import MultiAgent
import ProcessKit
import StateStore
import TestSupport
import Testing

/// Two controllers on one store — one SQLite home, or one PostgreSQL database (then each with a
/// home of its own, as two machines have) — told apart by `MULTIAGENT_MACHINE_ID`: each supervises
/// its own agents, and the other only reads them.
@Suite struct SharedStoreCLITests {
  /// SQLite always; PostgreSQL when the lab's server is there.
  static let engines: [String] =
    (ProcessInfo.processInfo.environment["MULTIAGENT_TEST_POSTGRES_URL"] ?? "").isEmpty
    ? ["sqlite"] : ["sqlite", "postgres"]

  @Test(arguments: engines)
  func eachControllerKeepsToItsOwnAgents(_ engine: String) throws {
    let world = try LifecycleSandbox()
    let database = engine == "postgres" ? try SharedDatabase() : nil
    let url = database?.url ?? world.sandbox.store.url
    let homeB = database == nil ? world.home : world.sandbox.root.path("home-b")
    var shared: [String: String] = [:]
    if let url { shared["MULTIAGENT_STORE"] = url }
    func a(_ arguments: [String]) throws -> CLIRunner.Result {
      try world.sandbox.run(
        arguments, extraEnvironment: shared.merging(["MULTIAGENT_MACHINE_ID": "machine-a"]) { $1 })
    }
    func b(_ arguments: [String]) throws -> CLIRunner.Result {
      try world.sandbox.runWithoutHome(
        ["--home", homeB] + arguments,
        extraEnvironment: shared.merging(["MULTIAGENT_MACHINE_ID": "machine-b"]) { $1 })
    }

    let spawned = try a([
      "spawn", "--provider", "fake", "--cwd", world.repository, "--name", "shared", "@gate x",
    ])
    #expect(spawned.exitCode == 0, "\(spawned.stderr)")
    let running = try Self.poll {
      try a(["show", "shared", "--json"]).jsonObject()
    } until: { record in
      record["status"] as? String == "running" && (record["cli"] as? [String: Any])?["pid"] != nil
    }
    #expect(running["machine"] as? String == "machine-a")
    // How an agent of machine A looks from another machine: its pids are not alive there, its
    // worktree is not there.
    let location: StoreLocation = url.map { .postgres(url: $0) } ?? .sqlite(path: world.home + "/state.db")
    try AgentStore(location: location).create(Self.ghost)

    let listed = try b(["list", "--json"])
    #expect(listed.exitCode == 0, "\(listed.stderr)")
    let byName = Dictionary(
      try listed.jsonArray().map { ($0["name"] as? String ?? "", $0) }, uniquingKeysWith: { $1 })
    for name in ["shared", "ghost"] {
      #expect(byName[name]?["status"] as? String == "running", "\(name): \(byName[name] ?? [:])")
      #expect(byName[name]?["machine"] as? String == "machine-a")
    }
    let reconciled = try b(["reconcile", "--json"]).jsonObject()
    for key in ["adopted", "settled", "worktree_gone"] {
      #expect((reconciled[key] as? [Any])?.isEmpty == true, "\(reconciled)")
    }

    for name in ["shared", "ghost"] {
      let stop = try b(["stop", name, "--json"])
      #expect(stop.exitCode == 1)
      let error = try #require(try stop.jsonObject()["error"] as? [String: Any])
      #expect(error["code"] as? String == "other_machine")
      #expect((error["message"] as? String)?.contains("machine-a") == true, "\(error)")
      #expect(stop.stderr.contains("run the command on machine-a"), "\(stop.stderr)")
    }
    let untouched = try a(["show", "shared", "--json"]).jsonObject()
    #expect(untouched["status"] as? String == "running")
    #expect(Self.pid(untouched["supervisor"]) == Self.pid(running["supervisor"]))

    try world.openGate()
    let waited = try a(["wait", "shared", "--timeout", "60"])
    #expect(waited.exitCode == 0 && waited.stdout == "completed\n", "\(waited.stderr)")
    // B waits by reading the store, and sees what A's supervisor settled.
    let waitedHere = try b(["wait", "shared", "--timeout", "60"])
    #expect(waitedHere.exitCode == 0 && waitedHere.stdout == "completed\n", "\(waitedHere.stderr)")
    let seen = try b(["show", "shared", "--json"]).jsonObject()
    #expect(seen["status"] as? String == "completed")
    #expect(seen["machine"] as? String == "machine-a")
    #expect(try b(["show", "shared"]).stdout.contains("machine-a (another machine"))
    #expect(!(try a(["show", "shared"]).stdout.contains("machine:")))
    // The ghost is machine A's own business: A's first command finds it dead and settles it.
    #expect(try a(["show", "ghost", "--json"]).jsonObject()["status"] as? String == "crashed")
  }

  /// Machine A is gone for good (a container recreated under another host name): its agents are
  /// refused to machine B, which says how to take them over; taken over, they are settled there.
  @Test func theAgentsOfAMachineGoneForGoodAreTakenOverAndSettled() throws {
    let world = try LifecycleSandbox()
    func b(_ arguments: [String]) throws -> CLIRunner.Result {
      try world.sandbox.run(arguments, extraEnvironment: ["MULTIAGENT_MACHINE_ID": "machine-b"])
    }
    #expect(try b(["list"]).exitCode == 0)
    try AgentStore(location: .sqlite(path: world.home + "/state.db")).create(Self.ghost)

    let refused = try b(["delete", "ghost"])
    #expect(refused.exitCode == 1)
    #expect(refused.stderr.contains("multiagent reconcile --take-over machine-a"), "\(refused.stderr)")
    let own = try b(["reconcile", "--take-over", "machine-b", "--json"])
    #expect(own.exitCode == 2, "\(own.stderr)")
    #expect((try own.jsonObject()["error"] as? [String: Any])?["code"] as? String == "invalid_name")

    let taken = try b(["reconcile", "--take-over", "machine-a", "--json"])
    #expect(taken.exitCode == 0, "\(taken.stderr)")
    let report = try taken.jsonObject()
    #expect(report["taken_over"] as? Int == 1, "\(report)")
    #expect(report["worktree_gone"] as? [String] == ["ghost"], "\(report)")
    let settled = try b(["show", "ghost", "--json"]).jsonObject()
    #expect(settled["status"] as? String == "crashed")
    #expect(settled["machine"] as? String == "machine-b")
    #expect(try b(["delete", "ghost"]).exitCode == 0)
    #expect(
      try b(["reconcile", "--take-over", "machine-a"]).stdout.hasPrefix(
        "took over 0 agents of machine machine-a"))
  }

  /// An agent of machine A with processes and a worktree that are not on this machine.
  static let ghost = AgentRecord(
    id: "0000000000000abc", name: "ghost", provider: "fake", status: .running,
    worktreePath: "/nonexistent/multiagent-machine-a/ghost", createdWorktree: true,
    supervisor: ProcessIdentity(pid: 999_999, startTime: 1, spawnID: "ghost-supervisor", bootID: "boot-a"),
    cli: ProcessIdentity(pid: 999_998, startTime: 2, spawnID: "ghost-cli", bootID: "boot-a"),
    machine: "machine-a")

  static func pid(_ process: Any?) -> Int? { (process as? [String: Any])?["pid"] as? Int }

  /// Reads `value` until `condition` holds (up to 30 s).
  static func poll(
    _ value: () throws -> [String: Any], until condition: ([String: Any]) -> Bool
  ) throws -> [String: Any] {
    let deadline = Date().addingTimeInterval(30)
    while true {
      let current = try value()
      if condition(current) { return current }
      guard Date() < deadline else { throw CLIRunner.Failure(description: "never became so: \(current)") }
      usleep(50_000)
    }
  }
}

/// A database of its own on the lab's PostgreSQL server, dropped at the end.
final class SharedDatabase: Sendable {
  let url: String
  private let admin: String
  private let name: String

  init() throws {
    admin = ProcessInfo.processInfo.environment["MULTIAGENT_TEST_POSTGRES_URL"] ?? ""
    name = "ma_machines_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    guard let slash = admin.lastIndex(of: "/") else {
      throw StoreError(code: .cannotOpen, message: "no PostgreSQL lab server")
    }
    try PostgresConnection.open(url: admin).execute("CREATE DATABASE \(name)")
    url = String(admin[..<slash]) + "/" + name
  }

  deinit {
    _ = try? PostgresConnection.open(url: admin).execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
  }
}
