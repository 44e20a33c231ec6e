import Foundation
import StateStore
import Synchronization
import TestSupport
import Testing

@testable import MultiAgent

/// One agent of a fake CLI (claude's dialect) in a database of its own on the lab's PostgreSQL
/// server, supervised in this process through a ``PostgresLinkProxy``: the tests cut the link or
/// lose COMMIT replies under the supervisor and check the rows with a direct connection.
final class CutOffWorld: Sendable {
  /// The result the fake prints: it appears in the output commit (and the settlement) only.
  static let marker = "result-marker-7f3c"
  /// Short timeouts, so that a write the server never answers fails in seconds.
  static let timeouts = PostgresConnection.Timeouts(
    connect: .seconds(2), network: .seconds(1), statement: .seconds(2), retryLimit: .seconds(20))

  let proxy: PostgresLinkProxy
  let directURL: String
  let home: StateHome
  let agentID: String
  let logger = Lines()
  private let directory: TemporaryDirectory
  private let drop: @Sendable () -> Void

  /// Every line logged, for the assertions.
  final class Lines: AgentLogger {
    let lines = Mutex<[String]>([])
    func log(level: AgentLogLevel, message: String, metadata: [String: String]) {
      lines.withLock { $0.append("\(level) \(message) \(metadata["error"] ?? "")") }
    }
  }

  /// - Parameter gated: the fake waits for ``openGate()`` before printing its result, and for
  ///   ``release()`` before exiting.
  init(gated: Bool) throws {
    let database = try PostgresLab.freshDatabase()
    directURL = database.url
    drop = database.drop
    let port = try #require(
      URLComponents(string: database.url)?.port.flatMap { UInt16(exactly: $0) }, "the lab URL has a port")
    proxy = try PostgresLinkProxy(port: port)
    directory = try TemporaryDirectory(prefix: "cut-off")
    home = StateHome(path: directory.path("home"), store: .postgres(url: proxy.url(for: database.url)))
    try home.create()
    let script = directory.path("flaky-claude")
    try Self.script(gate: gated ? directory.path("gate") : nil).write(
      toFile: script, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
    try #"{"providers": {"flaky": {"extends": "claude", "binary": "\#(script)"}}}"#.write(
      toFile: home.providersFile, atomically: true, encoding: .utf8)
    // The agent is made through a direct connection; its "supervisor" exits at once, so that the
    // test runs the real one itself.
    let creator = try AgentManager(
      home: StateHome(path: home.path, store: .postgres(url: directURL)),
      supervision: .detached(executable: "/bin/true", arguments: []))
    agentID =
      try creator.spawn(
        SpawnOptions(
          provider: "flaky", prompt: "Say something.", cwd: directory.path("."), useWorktree: false)
      ).id
  }

  deinit {
    proxy.close()
    drop()
  }

  /// Supervises the agent until it settles, through the proxy, with ``timeouts``; `opened` runs
  /// once the store is open, before the supervisor's first read.
  func supervise(opened: () -> Void = {}) throws -> AgentStatus {
    let database = try StateDatabase(
      location: home.store, schemas: AgentStore.schemas, postgresTimeouts: Self.timeouts)
    let store = AgentStore(database: database)
    opened()
    return try Supervisor(home: home, agentID: agentID, registry: try home.providerRegistry(), logger: logger)
      .run(store: store)
  }

  /// Lets a gated fake print its result.
  func openGate() throws {
    try "".write(toFile: directory.path("gate"), atomically: true, encoding: .utf8)
  }

  /// Lets a gated fake exit.
  func release() throws {
    try "".write(toFile: directory.path("gate-release"), atomically: true, encoding: .utf8)
  }

  /// The agent's row, read directly: status, parse offset, result.
  func row() throws -> (status: String, offset: Int64, result: String?) {
    try #require(try Self.row(of: agentID, at: directURL))
  }

  /// The agent's `status_changed` events, read directly: their target statuses in order.
  func statusChanges() throws -> [String] {
    let connection = try PostgresConnection.open(url: directURL)
    return try connection.query(
      "SELECT to_status FROM events WHERE agent_id = '\(agentID)' AND type = 'status_changed' ORDER BY id"
    ) { $0.string(0) ?? "" }
  }

  /// The size of the agent's output log: where a parse offset that took all of it stands.
  var logSize: Int64 {
    let path = AgentPaths(home: home, id: agentID).outputLog
    return ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int64) ?? -1
  }

  /// Waits (up to `limit`) until `condition` holds.
  static func waitUntil(_ limit: Duration = .seconds(60), _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
      if try condition() { return true }
      Thread.sleep(forTimeInterval: 0.1)
    }
    return try condition()
  }

  /// A CLI that talks like `claude -p --output-format stream-json`: an init line and a text, then
  /// (after the gate, when there is one) the result line ``marker``, and (once released) exit 0.
  private static func script(gate: String?) -> String {
    var lines = [
      "#!/bin/sh",
      "session=\"\"",
      "while [ $# -gt 0 ]; do",
      "  case \"$1\" in --session-id|--resume) session=\"$2\"; shift 2 ;; *) shift ;; esac",
      "done",
      #"echo "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"$session\",\"model\":\"fake\"}""#,
      #"echo "{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"working\"}]},\"session_id\":\"$session\"}""#,
    ]
    if let gate {
      lines.append("i=0; while [ ! -e '\(gate)' ] && [ $i -lt 900 ]; do sleep 0.1; i=$((i + 1)); done")
    }
    lines.append(
      #"echo "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"result\":\"\#(marker)\",\"session_id\":\"$session\"}""#
    )
    if let gate {
      // A gated fake also waits to be released before it exits.
      lines.append(
        "i=0; while [ ! -e '\(gate)-release' ] && [ $i -lt 900 ]; do sleep 0.1; i=$((i + 1)); done")
    }
    lines.append("exit 0")
    return lines.joined(separator: "\n") + "\n"
  }
}
