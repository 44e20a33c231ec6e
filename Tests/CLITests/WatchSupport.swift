import Credentials
import Foundation
import MultiAgent
import ProcessKit
import ProviderKit
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// A tmux server of its own (its socket in a temporary folder), to drive a full-screen command the
/// way a person at a terminal does: type keys, read the screen.
final class TmuxDriver {
  static let binary = "/usr/bin/tmux"
  let folder: TemporaryDirectory
  let environment: [String: String]

  init(environment: [String: String]) throws {
    folder = try TemporaryDirectory(prefix: "tmux")
    self.environment = environment
    try "set -g remain-on-exit off\n".write(
      toFile: folder.path("tmux.conf"), atomically: true, encoding: .utf8)
  }

  deinit { _ = try? run(["kill-server"]) }

  /// Runs `tmux -S <socket> -f <conf> arguments…` and returns its output.
  ///
  /// With ProcessKit, not Foundation's `Process`, whose wait never returns once the tmux server
  /// the first call starts has inherited something of the client's.
  @discardableResult
  func run(_ arguments: [String]) throws -> String {
    let output = try ProcessRunner().run(
      Self.binary, arguments: ["-S", folder.path("socket"), "-f", folder.path("tmux.conf")] + arguments,
      environment: environment, timeout: .seconds(30))
    return output.standardOutputText
  }

  /// Starts `command` (argv, no shell) in a detached session of `columns`×`rows`.
  func start(_ command: [String], columns: Int = 160, rows: Int = 50) throws {
    try run(["new-session", "-d", "-s", "w", "-x", "\(columns)", "-y", "\(rows)"] + command)
  }

  /// The text on the screen now.
  func screen() throws -> String { try run(["capture-pane", "-p", "-t", "w"]) }

  /// A tmux format of the pane (`#{alternate_on}`, `#{pane_dead}`, …).
  func format(_ format: String) throws -> String {
    try run(["display-message", "-p", "-t", "w", format]).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Polls until `condition` holds on the screen text; throws after `timeout`.
  @discardableResult
  func waitForScreen(timeout: TimeInterval = 30, _ what: String, until condition: (String) -> Bool) throws
    -> String
  {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
      let text = try screen()
      if condition(text) { return text }
      guard Date() < deadline else { throw CLIRunner.Failure(description: "never saw \(what):\n\(text)") }
      usleep(50_000)
    }
  }

  /// Polls until `path` exists; throws after `timeout`.
  func waitForFile(_ path: String, timeout: TimeInterval = 30) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while !FileManager.default.fileExists(atPath: path) {
      guard Date() < deadline else {
        throw CLIRunner.Failure(description: "\(path) never appeared:\n\(try screen())")
      }
      usleep(50_000)
    }
  }
}

/// A state home with one agent in every status, written straight into the store. The agents that
/// have a process while in their status name the test process as their supervisor, so the
/// reconcile pass every command runs finds them alive and leaves them as they are.
enum WatchHome {
  /// Agent names by status.
  static let names: [AgentStatus: String] = [
    .queued: "queued-one", .starting: "starting-one", .running: "running-one",
    .waitingForInput: "asking-one", .waitingForAccount: "limited-one", .completed: "done-one",
    .failed: "failed-one", .stopped: "stopped-one", .crashed: "crashed-one",
  ]

  static func populate(_ world: LifecycleSandbox) throws {
    let added = try world.run([
      "accounts", "add", "fake", "--label", "work", "--api-key-env", "PATH", "--json",
    ])
    guard let accountID = try added.jsonObject()["id"] as? String else {
      throw CLIRunner.Failure(description: "accounts add failed: \(added.stderr)")
    }
    let home = StateHome(path: world.home)
    try AccountStore(databasePath: home.database, accountsDirectory: home.accountsDirectory).recordQuota(
      accountID: accountID, QuotaReading(windows: [.init(name: "five_hour", utilization: 0.42)]))
    let me = getpid()
    let supervisor = ProcessIdentity(
      pid: me, startTime: ProcessInspector().startTime(of: me) ?? 0, spawnID: "")
    let store = try AgentStore(path: home.database)
    for status in AgentStatus.allCases {
      var record = AgentRecord(name: names[status]!, provider: "fake", account: "work", status: status)
      record.createdAt = Date().addingTimeInterval(-180)
      switch status {
      case .starting, .running, .waitingForAccount: record.supervisor = supervisor
      case .waitingForInput:
        record.pendingQuestions = [
          PendingQuestion(id: "q1", question: "Which database?", options: ["postgres", "sqlite"])
        ]
      case .completed: record.result = "all tests pass"
      case .failed: record.error = "the CLI exited with code 3"
      default: break
      }
      try store.create(record)
    }
  }
}
