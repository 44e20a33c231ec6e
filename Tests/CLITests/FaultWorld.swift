import Foundation
import JSONKit
import ProcessKit
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// The world of the fault suite: a ``LifecycleSandbox`` (the fake CLI and one repository), plus —
/// when installed — the real claude and codex CLIs pointed at a fake model server. Every command
/// gets the same environment, so that a supervisor started by any of them (a replacement after a
/// kill, too) runs the real CLIs the same way.
final class FaultWorld: @unchecked Sendable {
  let lifecycle: LifecycleSandbox
  let server: FakeModelServer?
  let environment: [String: String]

  init(withRealCLIs: Bool) throws {
    lifecycle = try LifecycleSandbox()
    var environment = lifecycle.sandbox.environment
    environment["TZ"] = "UTC"
    var catalog = #""fake": {"extends": "claude", "binary": "\#(lifecycle.fakePath)"}"#
    if withRealCLIs {
      let root = lifecycle.sandbox.root
      let server = try FakeModelServer(script: Self.serverScript, directory: root.url)
      self.server = server
      environment.merge(RealCLIs.claudeEnvironment(server: server, key: "key-claude")) { $1 }
      environment["PATH"] =
        "\(lifecycle.sandbox.bin):\(RealCLIs.binDirectory.path):/usr/local/bin:/usr/bin:/bin"
      environment["CLAUDE_CONFIG_DIR"] = root.path("claude-config")
      environment["CODEX_HOME"] = root.path("codex-home")
      environment["CODEX_API_KEY"] = "key-codex"
      try FileManager.default.createDirectory(
        atPath: root.path("codex-home"), withIntermediateDirectories: true)
      catalog += ", " + RealCLIs.codexCatalogMember(server: server)
    } else {
      server = nil
    }
    self.environment = environment
    try lifecycle.sandbox.writeUserCatalog(#"{"providers": {\#(catalog)}}"#)
  }

  deinit { server?.stop() }

  /// The fake model server's answers for the real CLIs: write `done` through a shell tool call,
  /// then end the turn.
  static let serverScript: String = {
    let signal = #"printf '%s' '{"status":"done","result":"real done"}' > "$MULTIAGENT_SIGNAL_FILE""#
    let steps =
      #"[{"text": "Finishing.", "shell": \#(JSONWriter.string(.string(signal)))}, {"text": "Done."}]"#
    return #"{"keys": {"key-claude": \#(steps), "key-codex": \#(steps)}}"#
  }()

  var home: String { lifecycle.home }
  var repository: String { lifecycle.repository }

  /// Runs `multiagent --home <home> arguments…` to its end.
  @discardableResult
  func run(_ arguments: [String], timeout: TimeInterval = 120) throws -> CLIRunner.Result {
    try CLIRunner.run(["--home", home] + arguments, environment: environment, timeout: timeout)
  }

  /// Starts `multiagent --home <home> arguments…` without waiting for it.
  func start(_ arguments: [String], extraEnvironment: [String: String] = [:]) throws -> KillableCommand {
    try KillableCommand(
      executable: CLIRunner.executable().path, arguments: ["--home", home] + arguments,
      environment: environment.merging(extraEnvironment) { $1 })
  }

  /// The spawn command line of `agent`.
  func spawnArguments(_ agent: PlannedAgent) -> [String] {
    ["spawn", "--provider", agent.provider, "--cwd", repository, "--name", agent.name, agent.prompt]
  }

  /// Every record by name (`list --all --json`), or nil when the command failed.
  func records() -> [String: [String: Any]]? {
    guard let result = try? run(["list", "--all", "--json"]), result.exitCode == 0,
      let array = try? result.jsonArray()
    else { return nil }
    var byName: [String: [String: Any]] = [:]
    for record in array { if let name = record["name"] as? String { byName[name] = record } }
    return byName
  }

  /// Holds the database's write lock from another process for `seconds` (as another program
  /// holding a transaction open would).
  func holdDatabaseBusy(seconds: Double) throws -> KillableCommand {
    let script = """
      import sqlite3, sys, time
      c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
      c.execute("BEGIN IMMEDIATE")
      time.sleep(float(sys.argv[2]))
      c.execute("COMMIT")
      """
    return try KillableCommand(
      executable: "/usr/bin/env", arguments: ["python3", "-c", script, home + "/state.db", String(seconds)],
      environment: ["PATH": "/usr/bin:/bin"])
  }
}

/// A process started and not waited for, which may be killed mid-flight.
final class KillableCommand: @unchecked Sendable {
  let process = Process()
  let description: String
  private let scratch: TemporaryDirectory

  init(executable: String, arguments: [String], environment: [String: String]) throws {
    scratch = try TemporaryDirectory(prefix: "bg")
    description = arguments.filter { !$0.contains("\n") }.prefix(8).joined(separator: " ")
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = environment
    process.standardInput = FileHandle.nullDevice
    // Files, not pipes: nothing the command leaves behind can block on a full pipe.
    for name in ["stdout", "stderr"] {
      _ = FileManager.default.createFile(atPath: scratch.path(name), contents: nil)
    }
    process.standardOutput = try FileHandle(forWritingTo: scratch.url.appending(path: "stdout"))
    process.standardError = try FileHandle(forWritingTo: scratch.url.appending(path: "stderr"))
    try process.run()
  }

  /// Sends SIGKILL; true when the command was still running (so the kill landed mid-flight).
  @discardableResult
  func kill9() -> Bool {
    guard process.isRunning else { return false }
    return kill(process.processIdentifier, SIGKILL) == 0
  }

  /// Waits for the exit (killing the command after `timeout`); the exit code, 128 + signal if killed.
  @discardableResult
  func wait(timeout: TimeInterval = 120) -> Int32 {
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning, Date() < deadline { usleep(10_000) }
    if process.isRunning { kill9() }
    process.waitUntilExit()
    return process.terminationReason == .uncaughtSignal
      ? 128 + process.terminationStatus : process.terminationStatus
  }

  var stderr: String { (try? String(contentsOfFile: scratch.path("stderr"), encoding: .utf8)) ?? "" }
  var stdout: String { (try? String(contentsOfFile: scratch.path("stdout"), encoding: .utf8)) ?? "" }
}

/// Sends SIGKILL to the process `object` (a record's `supervisor` or `cli`) describes, if that very
/// process (pid, start time and spawn id) still runs — and, with `supervisorOnly`, is a supervisor,
/// not a command standing in for one while it repairs the agent. True when it was killed.
func killRecordedProcess(_ object: Any?, supervisorOnly: Bool = false) -> Bool {
  guard let object = object as? [String: Any], let pid = (object["pid"] as? NSNumber)?.int32Value,
    let start = (object["start_time"] as? NSNumber)?.uint64Value
  else { return false }
  let identity = ProcessIdentity(pid: pid, startTime: start, spawnID: object["spawn_id"] as? String ?? "")
  guard pid > 1, ProcessInspector().isAlive(identity) else { return false }
  if supervisorOnly {
    let command = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
    guard command.split(separator: 0).contains(where: { Array($0) == Array("__supervise".utf8) }) else {
      return false
    }
  }
  return kill(pid, SIGKILL) == 0
}
