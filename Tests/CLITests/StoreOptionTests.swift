import Foundation
import StateStore
import TestSupport
import Testing

/// `--store URL` and `$MULTIAGENT_STORE`: a shared PostgreSQL store instead of `<home>/state.db`.
@Suite struct StoreOptionTests {
  @Test func anUnsupportedStoreIsAUsageErrorThatNeverShowsThePassword() throws {
    let sandbox = try CLISandbox()
    let option = try sandbox.run(["--json", "--store", "mysql://root:hunter2@db/state", "list"])
    #expect(option.exitCode == 2)
    #expect(((try option.jsonObject()["error"] as? [String: Any])?["code"] as? String) == "invalid_store")
    #expect(!option.stdout.contains("hunter2") && !option.stderr.contains("hunter2"))
    let variable = try sandbox.run(["list"], extraEnvironment: ["MULTIAGENT_STORE": "sqlite:///tmp/x.db"])
    #expect(variable.exitCode == 2)
    #expect(variable.stderr.contains("MULTIAGENT_STORE"))
    #expect(!FileManager.default.fileExists(atPath: sandbox.home + "/state.db"))
  }

  @Test func anUnreachableStoreFailsFastWithoutShowingThePassword() throws {
    let sandbox = try CLISandbox()
    let started = Date()
    let result = try sandbox.run(["--store", "postgres://u:hunter2@127.0.0.1:1/state", "list"])
    #expect(result.exitCode == 1)
    #expect(result.stderr.contains("postgres://u:***@127.0.0.1:1/state"))
    #expect(!result.stderr.contains("hunter2"))
    #expect(Date().timeIntervalSince(started) < 10)
  }

  /// A store whose link is cut (the server hears nothing, says nothing) fails the command within
  /// its connect timeout, with the exit code of any store error, naming the store without its
  /// password and saying what to do.
  @Test(
    .enabled(
      if: !(ProcessInfo.processInfo.environment["MULTIAGENT_TEST_POSTGRES_URL"] ?? "").isEmpty,
      "needs the lab's PostgreSQL (MULTIAGENT_TEST_POSTGRES_URL)"))
  func aCutOffStoreFailsTheCommandWithinItsTimeouts() throws {
    let admin = ProcessInfo.processInfo.environment["MULTIAGENT_TEST_POSTGRES_URL"] ?? ""
    let components = try #require(URLComponents(string: admin))
    let proxy = try PostgresLinkProxy(port: UInt16(try #require(components.port)))
    defer { proxy.close() }
    proxy.cut()
    let sandbox = try CLISandbox()
    let started = Date()
    let result = try sandbox.run(["--store", proxy.url(for: admin), "list"])
    #expect(result.exitCode == 1)
    #expect(result.stderr.contains("postgres://multiagent:***@127.0.0.1:\(proxy.port)/postgres"))
    #expect(result.stderr.contains("try again"))
    #expect(!result.stderr.contains(try #require(components.password)))
    #expect(Date().timeIntervalSince(started) < 60)
  }

  /// The agent's record, its events and its settlement by its (detached) supervisor all go to the
  /// shared store: the supervisor gets the store from its environment, not its arguments.
  @Test(
    .enabled(
      if: !(ProcessInfo.processInfo.environment["MULTIAGENT_TEST_POSTGRES_URL"] ?? "").isEmpty,
      "needs the lab's PostgreSQL (MULTIAGENT_TEST_POSTGRES_URL)"))
  func anAgentLivesInTheSharedStore() throws {
    let admin = ProcessInfo.processInfo.environment["MULTIAGENT_TEST_POSTGRES_URL"] ?? ""
    let database = "ma_cli_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    try PostgresConnection.open(url: admin).execute("CREATE DATABASE \(database)")
    defer {
      _ = try? PostgresConnection.open(url: admin).execute("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
    }
    let url = String(admin[..<admin.lastIndex(of: "/")!]) + "/" + database
    let world = try LifecycleSandbox()
    let spawned = try world.run([
      "--store", url, "spawn", "--provider", "fake", "--cwd", world.repository, "hello",
    ])
    #expect(spawned.exitCode == 0, "\(spawned.stderr)")
    let name = spawned.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let waited = try world.sandbox.run(
      ["wait", name, "--timeout", "30"], extraEnvironment: ["MULTIAGENT_STORE": url])
    #expect(waited.stdout == "completed\n", "\(waited.stderr)")
    #expect(try world.run(["--store", url, "result", name]).stdout == "done: hello\n")
    // Nothing of it is in the home's own file.
    #expect(try world.run(["list", "--all", "--json"]).jsonArray().isEmpty)
    let store = try PostgresConnection.open(url: url)
    let statuses = try store.query("SELECT status FROM agents") { $0.string(0) }
    #expect(statuses == ["completed"])
  }
}
